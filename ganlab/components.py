"""What each kind of component provides. Plugins subclass or duck-type these.

    class MyLoss(Loss):
        "One line that `ganlab list losses` shows."
        def discriminator_loss(self, real_out, fake_out): ...
        def generator_loss(self, fake_out, real_out=None): ...

Architectures return a :class:`GAN`; datasets a :class:`Dataset`; diagnostics a
:class:`Diagnostic`. All tensors are on the run's device; shapes are noted as (B, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import torch
    from torch import nn

    from ganlab.run import RunInfo


@dataclass
class GAN:
    """A generator and a discriminator. The discriminator returns raw scores (B,) (logits)."""

    generator: nn.Module  # (B, latent_dim) -> (B, *data_shape)
    discriminator: nn.Module  # (B, *data_shape) -> (B,)
    latent_dim: int

    def latent(self, n: int, generator: torch.Generator | None = None, device: Any = None) -> torch.Tensor:
        """Standard normal noise z, (n, latent_dim)."""
        import torch

        return torch.randn(n, self.latent_dim, generator=generator, device=device)


class Loss:
    """An adversarial loss: what D and G each minimise, from D's raw outputs.

    ``output`` says what those outputs mean: ``"probability"`` (logits of P(real), so sigmoid gives
    D(x)) or ``"critic"`` (unbounded scores; diagnostics that need probabilities say n/a).
    ``recommended`` holds dotted config defaults (``{"train.lr_d": 2e-4}``) a run uses unless the
    user sets them.
    """

    output: ClassVar[str] = "probability"
    recommended: ClassVar[dict[str, Any]] = {}
    # True if generator_loss needs D's outputs on a real batch (relativistic losses).
    needs_real_for_generator: ClassVar[bool] = False

    def discriminator_loss(self, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def generator_loss(self, fake_out: torch.Tensor, real_out: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    # Optional, for losses that need them (the trainer calls them only if a subclass defines them):
    # penalty(discriminator, real, fake, generator=None) -> Tensor, added to D's loss (WGAN-GP);
    # after_discriminator_step(discriminator), after each D update (WGAN's weight clipping).


class Regularizer:
    """A term added to D's loss, composable with any loss (R1, R2, ...).

    ``penalty(discriminator, real, fake, step)`` returns a scalar tensor to add at this step, or
    None (lazy regularisation skips steps).
    """

    def penalty(self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int) -> torch.Tensor | None:
        return None


class Dataset:
    """Training data, held or generated on the run's device; ``batch`` draws a batch there.

    ``kind`` is ``"points"`` (shape ``(D,)``) or ``"images"`` (shape ``(C, H, W)``, values in
    [-1, 1]). A mixture declares its ``modes`` (K, D) and ``mode_std`` so mode-coverage diagnostics
    can use it.
    """

    kind: str = "points"
    shape: tuple[int, ...] = (2,)
    modes: Any = None  # (K, D) array-like of mixture centres, or None
    mode_std: float | None = None
    recommended: ClassVar[dict[str, Any]] = {}

    def to(self, device: Any) -> Dataset:
        """Move (or build) the data on ``device``; returns self."""
        return self

    def batch(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """A batch of n real samples, (n, *shape), drawn with ``generator`` on the run's device."""
        raise NotImplementedError

    def batch_shard(self, n: int, generator: torch.Generator, rows: slice) -> torch.Tensor:
        """Rows ``rows`` of ``batch(n, generator)``: one process's part of a global batch when
        training on several (see ganlab.distributed). It must use ``generator`` exactly as
        ``batch(n, ...)`` does. This default draws the whole batch; override it to fetch less."""
        return self.batch(n, generator)[rows]


class Diagnostic:
    """A convergence diagnostic or sample-quality metric.

    ``when`` is ``"log"`` (cheap: ``observe`` sees every logging step's statistics) or
    ``"eval"`` (``evaluate`` gets generated samples every ``log.eval_every`` steps and at the
    end). Each returns named floats; ``verdict`` gives ``(level, reason)`` with level
    ``ok|warning|failure``.
    """

    when: ClassVar[str] = "log"
    auto: ClassVar[bool] = False  # part of the "auto" set for the data it applies to
    kinds: ClassVar[tuple[str, ...]] = ("points", "images")  # data kinds it applies to
    needs: ClassVar[str | None] = None  # a dataset attribute it requires, e.g. "has_modes"
    auto_if: ClassVar[str | None] = None  # a dataset attribute required to join the auto set
    better: ClassVar[dict[str, str]] = {}  # {"fid": "lower"}: tracked as best in summary.json
    samples: ClassVar[int] = 2500  # generated samples an "eval" diagnostic wants

    def setup(self, run: RunInfo, dataset: Dataset) -> None:
        """Called once before training (or resuming)."""

    def observe(self, step: int, stats: dict[str, float]) -> dict[str, float]:
        return {}

    def evaluate(self, step: int, samples: torch.Tensor, dataset: Dataset) -> dict[str, float]:
        return {}

    def verdict(self) -> tuple[str, str]:
        return ("ok", "")
