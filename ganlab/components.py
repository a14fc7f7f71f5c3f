"""What each kind of component provides: every member, required or optional, with its default.

A plugin author reads this one module. Subclass these (or duck-type them: a member you leave out
takes the default declared here, through :func:`member`).

>>> from ganlab.components import Loss, member
>>> class Mine(Loss):
...     "My loss."
...     def discriminator_loss(self, real_out, fake_out): ...
...     def generator_loss(self, fake_out, real_out=None): ...
>>> Mine.output, Mine.recommended, member(Mine(), "needs_real_for_generator", Loss)
('probability', {}, False)

Factories (what ``register(name, factory)`` gets) are called with the component's options as
keywords: ``factory(**options)``, and architectures also with ``data_shape=...``. A factory may
carry ``recommended`` (a dict of dotted config defaults, ``{"data.name": "digits"}``) as a class
attribute or as an attribute of the function; a run uses them unless the user sets those keys.
When components disagree, the later one in the order architecture < loss < dataset < regularizer
wins, and the user always wins over all of them.

Raise :class:`ganlab.GanlabError` from a factory or method for a mistake of the user's (a bad
option value): ganlab prints it as one line. Any other exception is reported as a bug of the
plugin: one line naming the component and its plugin, the traceback in the run's ``error.log``.

All tensors are on the run's device unless said otherwise; shapes are noted as (B, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import torch
    from torch import nn

    from ganlab.run import RunInfo

LEVELS = ("ok", "warning", "failure")  # a diagnostic's verdict levels, mildest first
EVAL_SAMPLES = 2500  # generated samples an evaluation draws by default (PacGAN's protocol)


@dataclass
class GAN:
    """What an architecture factory returns: ``factory(*, data_shape, **options) -> GAN``.

    ``discriminator`` returns one raw score per sample, shape (B,): a logit for probability
    losses (the final sigmoid of Goodfellow et al. 2014 lives inside the loss), an unbounded score
    for critics. For packing (``train.pack = m``, Lin et al. 2018) ganlab builds a second copy with
    ``data_shape`` widened m times (points: D*m features; images: C*m channels) and takes its
    discriminator, so a factory should accept any feature or channel count for D's input.
    """

    generator: nn.Module  # (B, latent_dim) -> (B, *data_shape); images in [-1, 1] (end with Tanh)
    discriminator: nn.Module  # (B, *data_shape) -> (B,)
    latent_dim: int

    def latent(self, n: int, generator: torch.Generator | None = None, device: Any = None) -> torch.Tensor:
        """Standard normal noise z, (n, latent_dim), drawn with ``generator``."""
        import torch

        return torch.randn(n, self.latent_dim, generator=generator, device=device)


class Loss:
    """An adversarial loss: what D and G each minimise, from D's raw outputs (B,)."""

    # What D's outputs mean: "probability" (logits of P(real): sigmoid gives D(x), and the
    # D(x)-based diagnostics apply) or "critic" (unbounded scores; those diagnostics say n/a).
    output: ClassVar[str] = "probability"
    # Dotted config defaults this loss's paper uses ({"train.lr_d": 2e-4}); the user's values win.
    recommended: ClassVar[dict[str, Any]] = {}
    # True if generator_loss needs D's outputs on a real batch (relativistic losses).
    needs_real_for_generator: ClassVar[bool] = False

    def discriminator_loss(self, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
        """The scalar D minimises, from D's outputs on a real and a generated batch."""
        raise NotImplementedError

    def generator_loss(self, fake_out: torch.Tensor, real_out: torch.Tensor | None = None) -> torch.Tensor:
        """The scalar G minimises; ``real_out`` is given only with ``needs_real_for_generator``."""
        raise NotImplementedError

    def penalty(self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """A term added to D's loss (WGAN-GP's gradient penalty), or None. Draw any random numbers
        with ``generator`` (the run's), so runs stay reproducible."""
        return None

    def after_discriminator_step(self, discriminator: nn.Module) -> None:
        """Act on D's weights after each D update (WGAN's weight clipping)."""


class Regularizer:
    """A term added to D's loss, composable with any loss (R1, R2, ...). This base adds nothing:
    it is what ``reg.name = "none"`` means."""

    def penalty(self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int) -> torch.Tensor | None:
        """A scalar to add to D's loss at ``step``, or None (lazy regularisation skips steps)."""
        return None


class Dataset:
    """Training data, held or generated on the run's device; ``batch`` draws a batch there.

    Declare ``kind``, ``has_modes``, ``stacked`` and ``features`` as class attributes (or as
    attributes of a factory function): ganlab decides which diagnostics apply from them before it
    builds the dataset, and checks the built instance again when the run starts.
    """

    kind: ClassVar[str] = "points"  # "points": shape (D,); "images": shape (C, H, W), values in [-1, 1]
    shape: tuple[int, ...] = (2,)  # one sample's shape
    modes: Any = None  # (K, D) array-like of mixture centres, or None
    mode_std: float | None = None  # the mixture's per-coordinate standard deviation
    has_modes: ClassVar[bool] = False  # True for mixtures that set modes and mode_std: mode-coverage applies
    stacked: ClassVar[bool] = False  # True for three stacked digits (1,000 modes): stacked-modes applies
    features: ClassVar[str | None] = None  # a registered feature extractor for fid/kid/pr ("digits"); None: inception
    notes: list[str] = []  # one-line strings shown when a run starts ("skipped 3 unreadable files")
    recommended: ClassVar[dict[str, Any]] = {}  # dotted config defaults ({"train.batch_size": 512})

    def to(self, device: Any) -> Dataset:
        """Move (or build) the data on ``device``; returns self."""
        return self

    def batch(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """A batch of n real samples, (n, *shape), drawn with ``generator`` on the run's device."""
        raise NotImplementedError

    def batch_shard(self, n: int, generator: torch.Generator, rows: slice) -> torch.Tensor:
        """Rows ``rows`` of ``batch(n, generator)``: one process's part of a global batch when
        training on several (see ganlab.engine.distributed). It must use ``generator`` exactly as
        ``batch(n, ...)`` does. This default draws the whole batch; override it to fetch less."""
        return self.batch(n, generator)[rows]

    def all_samples(self) -> torch.Tensor | None:
        """Every sample, (N, *shape), if the dataset is finite and held in memory; else None.
        Reference statistics (FID's real side) then use each sample once instead of a draw."""
        return None


class Diagnostic:
    """A convergence diagnostic or sample-quality metric.

    ``when = "log"``: ``observe`` sees each logging point's statistics (cheap). ``when = "eval"``:
    ``evaluate`` gets ``samples`` generated samples every ``log.eval_every`` steps and at the end.
    Each returns ``{name: value}`` (floats; a string for a protocol record), which ganlab stores as
    ``NAME/name``. ``verdict()`` returns ``(level, reason)``: level one of ``LEVELS``, reason one
    line. ganlab checks both at run time: a bad level, or a value that is not a number or string,
    fails the run with one line naming the diagnostic and its plugin.
    """

    when: ClassVar[str] = "log"  # "log" or "eval"
    auto: ClassVar[bool] = False  # part of the "auto" set for the data it applies to
    kinds: ClassVar[tuple[str, ...]] = ("points", "images")  # data kinds it applies to
    needs: ClassVar[str | None] = None  # a dataset attribute it requires, e.g. "has_modes"
    auto_if: ClassVar[str | None] = None  # a dataset attribute required to join the auto set
    better: ClassVar[dict[str, str]] = {}  # {"fid": "lower"}: tracked as best; compare highlights
    headline: ClassVar[str | None] = None  # the value that stands for it (best checkpoint); None: first of better
    samples: int = EVAL_SAMPLES  # generated samples an "eval" diagnostic wants

    def setup(self, run: RunInfo, dataset: Dataset) -> None:
        """Called once before training (or resuming), and before a post-hoc ``ganlab eval``."""

    def observe(self, step: int, stats: dict[str, float]) -> dict[str, float]:
        """At a logging point: ``stats`` holds loss_d, loss_g, grad_norm_g, grad_norm_d,
        steps_per_second, and d_real, d_fake for probability losses."""
        return {}

    def evaluate(self, step: int, samples: torch.Tensor, dataset: Dataset) -> dict[str, Any]:
        """At an evaluation: ``samples`` (n, *shape) float32 on the CPU, from G in eval mode."""
        return {}

    def verdict(self) -> tuple[str, str]:
        return ("ok", "")


class FeatureExtractor:
    """Maps images to features for fid, kid and precision-recall: ``factory(**options)`` returns
    one; ``extractor(images)`` takes (B, C, H, W) float in [-1, 1] on the CPU and returns (B, F).

    Registered with ``register_extractors``; a dataset names its default in ``features``, a run
    chooses with ``--set diag.fid.features=NAME``. Config files only ever name registered
    extractors, so a run directory from elsewhere never makes ganlab import code.
    """

    protocol: str = ""  # how results name it, e.g. "inception-v3 (2048-d pool3, torch-fidelity weights)"
    identity: str = ""  # what identifies its weights, for the reference cache (default: name and protocol)
    image_size: int | None = None  # the size it resizes images to, if any (recorded in the protocol)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


BASES = {"loss": Loss, "regularizer": Regularizer, "dataset": Dataset, "diagnostic": Diagnostic, "extractor": FeatureExtractor}


def member(obj: Any, name: str, base: type) -> Any:
    """``obj.name``, or the default ``base`` declares, for a duck-typed component that lacks it."""
    if hasattr(obj, name):
        return getattr(obj, name)
    default = getattr(base, name)
    return default.__get__(obj) if callable(default) and not isinstance(default, type) else default
