"""What the core checks of a run's components before the first step, and whom it names when one
fails later, so that a plugin's mistake is one line naming the component and its plugin.

    preflight(parts, state, step)      # the data's and G's shapes, D's scores, the loss's objectives
    blame(parts, state, exc)           # "loss 'mine' (plugin 'my-plugin')", or None if none of them raised it

The checks draw a small batch with training's random state saved and restored, and run G and D
in eval mode, so no statistic is updated: a checked run trains exactly as an unchecked one.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any, Callable

import torch

from ganlab.components import Loss, member
from ganlab.engine.build import Parts
from ganlab.engine.state import TrainState
from ganlab.errors import GanlabError, PluginError

if TYPE_CHECKING:
    from ganlab.engine.step import AdversarialStep

WORDS = {"arch": "architecture", "loss": "loss", "data": "dataset", "reg": "regularizer"}


def who(parts: Parts, section: str) -> str:
    """``architecture 'dcgan' (plugin 'archs')``: a component as error lines name it."""
    c = parts.components.get(section, {})
    return f"{WORDS[section]} {c.get('name')!r} (plugin {c.get('plugin')!r})"


def preflight(parts: Parts, state: TrainState, step: AdversarialStep) -> None:
    """Before the first step: the dataset's batches and G's samples have the declared shape, D
    gives one score per sample (or pack), and the loss's objectives are scalars D's outputs
    reach; each in one line naming the component, not a matmul or autograd error at step 0."""
    rng, g = state.rng, state.G
    saved, was_training = rng.get_state(), g.training
    pack = parts.config.train.pack
    n = 2 * pack if parts.config.train.batch_size != 2 * pack else 3 * pack  # another size than training's (streaming data)
    try:
        real = parts.dataset.batch(n, rng)
        with torch.no_grad():
            g.eval()  # no BatchNorm statistics updated
            fake = g(parts.gan.latent(n, torch.Generator(parts.device).manual_seed(0), parts.device))
    except GanlabError:
        raise
    except Exception as exc:
        owner = blame(parts, state, exc)
        raise PluginError(f"drawing a first batch failed{f' in {owner}' if owner else ''}: {first_line(exc)}", traceback.format_exc()) from exc
    finally:
        rng.set_state(saved)
        g.train(was_training)
    if not (isinstance(real, torch.Tensor) and real.is_floating_point()):
        kind = f"{real.dtype} tensors" if isinstance(real, torch.Tensor) else f"a {type(real).__name__}"
        raise GanlabError(f"{who(parts, 'data')}: its batch(n) gives {kind}; it must give floating-point tensors (n, *shape)")
    step.check_shapes(real, fake)
    check_discriminator(parts, state, fake, pack)
    check_loss(parts, state, real, fake)


def check_discriminator(parts: Parts, state: TrainState, fake: torch.Tensor, pack: int) -> None:
    """D takes G's samples (packed, with train.pack) and gives one score each: a factory that
    ignores ``data_shape`` fails here in one line naming it."""
    label = who(parts, "arch")
    packed = (f" packed by train.pack = {pack} into {(fake.shape[0] // pack, fake.shape[1] * pack, *fake.shape[2:])}"
              f" (ganlab builds this D by calling the factory with data_shape={(fake.shape[1] * pack, *fake.shape[2:])};"
              f" build D for the data_shape it is given)") if pack > 1 else ""  # fmt: skip
    try:
        with torch.no_grad(), _eval(state.D):  # no BatchNorm statistics or spectral-norm vectors updated
            out = state.D(fake)
    except Exception as exc:
        raise PluginError(f"{label}: its discriminator fails on G's samples of shape {tuple(fake.shape)}{packed}: {first_line(exc)}",
                          traceback.format_exc()) from exc  # fmt: skip
    want = fake.shape[0] // pack
    if out.ndim == 0 or out.shape[0] != want or out.numel() != want:
        raise GanlabError(f"{label}: its discriminator gives shape {tuple(out.shape)} for G's samples of shape "
                          f"{tuple(fake.shape)}{packed}; it must give one raw score per {'pack' if pack > 1 else 'sample'}, shape ({want},)")  # fmt: skip


def check_loss(parts: Parts, state: TrainState, real: torch.Tensor, fake: torch.Tensor) -> None:
    """The loss's two objectives, on D's scores of a few real and generated samples, are scalar
    tensors with a gradient to those scores: a detached value (or one built from ``.item()``)
    would train nothing, and fail inside backward in torch's words rather than the plugin's."""
    loss, label = parts.loss, who(parts, "loss")
    needs_real = member(loss, "needs_real_for_generator", Loss)
    with torch.enable_grad(), _eval(state.D):
        try:
            real_out, fake_out = state.D(real).float(), state.D(fake).float()
        except Exception as exc:  # G's samples passed above: it is the real ones D cannot take
            raise PluginError(f"{who(parts, 'arch')}: its discriminator fails on the dataset's samples of shape "
                              f"{tuple(real.shape)} ({real.dtype}): {first_line(exc)}", traceback.format_exc()) from exc  # fmt: skip
        if not real_out.requires_grad:
            raise GanlabError(f"{who(parts, 'arch')}: its discriminator's scores carry no gradient to its weights (detached in "
                              "forward, or every parameter frozen?); D must be trainable")  # fmt: skip
        for what, call in (("discriminator_loss(real_out, fake_out)", lambda: loss.discriminator_loss(real_out, fake_out)),
                           ("generator_loss(fake_out, real_out)", lambda: loss.generator_loss(fake_out, real_out if needs_real else None))):  # fmt: skip
            value = _called(label, what, call)
            if not isinstance(value, torch.Tensor) or value.numel() != 1:
                shape = f"a tensor of shape {tuple(value.shape)}" if isinstance(value, torch.Tensor) else f"a {type(value).__name__}"
                raise GanlabError(f"{label}: {what} gave {shape} for a batch of {len(fake)}; it must give a scalar tensor to minimise")
            if not value.requires_grad:
                raise GanlabError(f"{label}: {what} gave a tensor that does not depend on D's scores (detached, or "
                                  "built from .item()?); it must be computed from them with torch operations")  # fmt: skip


def blame(parts: Parts, state: TrainState, exc: BaseException) -> str | None:
    """The component whose code raised ``exc``: the innermost frame of its traceback that lies in
    a method of a component's class (else in a component's module). None when no component's code
    is on the traceback (torch's own error from ganlab's step, say)."""
    owners = _owners(parts, state)
    for frame, _ in reversed(list(traceback.walk_tb(exc.__traceback__))):
        module, qualname = frame.f_globals.get("__name__", ""), frame.f_code.co_qualname
        strong = [label for label, types in owners if any(t.__module__ == module and qualname.startswith(t.__qualname__ + ".") for t in types)]
        weak = [label for label, types in owners if any(t.__module__ == module for t in types)]
        if strong or weak:
            return (strong or weak)[0]
    return None


def _owners(parts: Parts, state: TrainState) -> list[tuple[str, set[type]]]:
    """Each component with the classes of its code outside torch and ganlab's core."""
    arch = {type(m) for net in (state.G, state.D) for m in net.modules()}
    owners = [(who(parts, "loss"), {type(parts.loss)}), (who(parts, "data"), {type(parts.dataset)}), (who(parts, "arch"), arch)]
    if "reg" in parts.components:
        owners.append((who(parts, "reg"), {type(parts.regularizer)}))
    plugins = parts.components.get("diagnostics", {})
    owners += [(f"diagnostic {n!r} (plugin {plugins.get(n, {}).get('plugin')!r})", {type(d)}) for n, d in parts.diagnostics]
    return [(label, {base for t in types for base in t.__mro__ if _plugin_code(base)}) for label, types in owners]  # inherited code too


def _plugin_code(t: type) -> bool:
    module = t.__module__ or ""
    core = module.startswith("ganlab.") and not module.startswith("ganlab.plugins.")
    return not (core or module == "ganlab" or module.split(".")[0] in ("torch", "builtins"))


def _called(label: str, what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except GanlabError:
        raise
    except Exception as exc:
        raise PluginError(f"{label}: {what} raised {first_line(exc)}", traceback.format_exc()) from exc


class _eval:
    """A module in eval mode for a block, then back in the mode it was in."""

    def __init__(self, module: torch.nn.Module):
        self.module, self.was = module, module.training

    def __enter__(self) -> None:
        self.module.eval()

    def __exit__(self, *exc: Any) -> None:
        self.module.train(self.was)


def first_line(exc: BaseException) -> str:
    """``ValueError: the first line of its message``."""
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
