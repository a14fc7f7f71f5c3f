"""What lifecycle hooks are told about a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ganlab.config import Config


@dataclass
class RunInfo:
    """A run as plugins see it. ``state`` is a scratch dict plugins may share."""

    config: Config
    dir: Path  # the run directory
    start_step: int  # 0, or the checkpoint's step when resuming
    total_steps: int  # the step the run trains to
    device: str  # the torch device actually used, e.g. "cpu"
    data_kind: str  # "points" or "images"
    loss_output: str  # "probability" or "critic"
    data_shape: tuple[int, ...] = ()  # (D,) for points, (C, H, W) for images
    resumed: bool = False
    # generate(n, seed) -> (n, *data_shape) CPU tensor from the current G (eval mode, no grad)
    generate: Callable[[int, int], Any] | None = field(default=None, repr=False)
    # real(n, seed) -> (n, *data_shape) CPU tensor of real samples
    real: Callable[[int, int], Any] | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)  # what the dataset wants the user to know
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        c = self.config
        return f"{c.arch.name} · {c.loss.name} · {c.data.name} · seed {c.seed}"
