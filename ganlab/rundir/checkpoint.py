"""Checkpoint files: ``torch.save`` dictionaries, written atomically, loaded without unpickling code.

    state = load(run_dir / "checkpoints" / "last.pt", need=RESUME_KEYS)
    save(path, state)            # refuses a state holding NaN or infinite weights

A checkpoint is only written once every weight and optimizer statistic in it is known to be
finite: the "last good checkpoint" after a divergence is good. Loading uses
``torch.load(weights_only=True)``, so a file from elsewhere can hold tensors and plain data only.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Iterator

from ganlab.errors import GanlabError
from ganlab.rundir.files import atomic_write_bytes

FORMAT = 2  # 2 adds data_shape, latent_dim and components (0.2); 1 is 0.1's
RESUME_KEYS = ("step", "generator", "discriminator", "opt_g", "opt_d", "rng")
SAMPLE_KEYS = ("generator",)


class NonFinite(GanlabError):
    """A state to be saved holds NaN or infinite values."""


def _tensors(obj: Any) -> Iterator[Any]:
    import torch

    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors(v)


def non_finite_part(state: dict[str, Any]) -> str | None:
    """The first part of a state (``generator``, ``opt_d``...) holding a non-finite value, or None."""
    import torch

    for key in ("generator", "generator_ema", "discriminator", "opt_g", "opt_d"):
        floats = [t for t in _tensors(state.get(key)) if t.is_floating_point()]
        if floats and not bool(torch.stack([torch.isfinite(t).all() for t in floats]).all()):
            return key
    return None


def save(path: Path, state: dict[str, Any]) -> None:
    import torch

    bad = non_finite_part(state)
    if bad is not None:
        raise NonFinite(f"not writing checkpoint {str(path)!r}: its {bad} holds NaN or infinite values")
    buf = io.BytesIO()
    torch.save(state, buf)
    atomic_write_bytes(path, buf.getvalue())


def load(path: Path, need: tuple[str, ...] = RESUME_KEYS) -> dict[str, Any]:
    """A checkpoint's dictionary; every problem is one line naming the file."""
    import pickle

    import torch

    if not path.is_file():
        raise GanlabError(f"no checkpoint at {str(path)!r}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "Unsupported global" in str(exc):
            raise GanlabError(
                f"checkpoint {str(path)!r} holds Python objects beyond tensors and plain data; ganlab loads checkpoints "
                "with weights_only=True and never unpickles code"
            ) from None
        raise GanlabError(f"checkpoint {str(path)!r} cannot be read: it is not a torch checkpoint, or it is damaged") from None
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GanlabError(f"checkpoint {str(path)!r} cannot be read ({type(exc).__name__}: {reason})") from None
    if not isinstance(state, dict):
        raise GanlabError(f"checkpoint {str(path)!r} is not a ganlab checkpoint (it holds a {type(state).__name__}, not a dictionary)")
    missing = [k for k in need if k not in state]
    if missing:
        raise GanlabError(f"checkpoint {str(path)!r} is not a ganlab checkpoint: it lacks {', '.join(missing)}")
    return state


def load_into(module: Any, weights: Any, what: str, path: Path) -> None:
    """``module.load_state_dict(weights)`` with a one-line error when they do not fit."""
    if not isinstance(weights, dict):
        raise GanlabError(f"checkpoint {str(path)!r}: its {what} weights are not a state dictionary")
    try:
        module.load_state_dict(weights)
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        detail = next((line.strip() for line in first[1:] if line.strip()), first[0] if first else "")
        raise GanlabError(
            f"checkpoint {str(path)!r} does not fit this run's {what} (another architecture or width?): {detail}"
        ) from None
