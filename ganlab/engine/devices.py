"""Which torch device a run uses.

>>> resolve_device("cpu")
device(type='cpu')
"""

from __future__ import annotations

from typing import Any

import torch

from ganlab.errors import GanlabError


def resolve_device(name: str, world: Any = None) -> torch.device:
    """The run's device; with several processes on CUDA, each takes cuda:LOCAL_RANK."""
    active = world is not None and world.active
    if active and name not in ("auto", "cpu", "cuda"):
        raise GanlabError(f"--device {name!r} with several processes: use auto, cpu or cuda (rank r takes cuda:LOCAL_RANK)")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and active and torch.cuda.is_available():
        name = f"cuda:{world.local_rank}"
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise GanlabError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise GanlabError(f"device {name!r} asked for, but this machine has no CUDA GPU; use --device cpu")
    if dev.type not in ("cpu", "cuda"):
        raise GanlabError(f"device {name!r} is not supported; use auto, cpu, cuda or cuda:N")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise GanlabError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA GPU(s)")
    return dev
