"""Which checkpoints a run keeps: the last, the best by a metric, and optionally the last N.

    keeper = Checkpointer(run_dir, best=("fid/fid", "lower"), keep=3)
    keeper.save_last(step, state)            # checkpoints/last.pt (+ step-XXXXXX.pt with keep)
    keeper.consider_best(step, metrics, get_state)   # checkpoints/best.pt when the metric improved

Every file is written atomically and only when its weights are finite (a diverging run keeps its
last good checkpoint). ``checkpoints/index.json`` records which step each file holds, and for the
best one the metric and its value, so a later ``ganlab eval --checkpoint best`` says what it is.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

from ganlab.rundir import RunDir, checkpoint


class Checkpointer:
    def __init__(self, rd: RunDir, *, main: bool = True, best: tuple[str, str] | None = None, keep: int = 0):
        self.rd, self.main, self.best_metric, self.keep = rd, main, best, keep
        self.index: dict[str, Any] = rd.read_checkpoint_index() if main else {}
        if self.best_metric and (self.index.get("best") or {}).get("metric") not in (None, self.best_metric[0]):
            self.index.pop("best", None)  # chosen by another metric before: start over

    @property
    def last_step(self) -> int | None:
        return (self.index.get("last") or {}).get("step")

    def save_last(self, step: int, state: dict[str, Any]) -> Path:
        path = self.rd.last_checkpoint
        if not self.main:  # every rank holds the same state; rank 0 writes
            return path
        checkpoint.save(path, state)
        self.index["last"] = {"step": step}
        if self.keep:
            checkpoint.save(self.rd.checkpoint_path(step), state)
            snaps = sorted({*self.index.get("snapshots", []), step})
            for old in snaps[: -self.keep]:
                self.rd.checkpoint_path(old).unlink(missing_ok=True)  # a file of this format, named by its step
            self.index["snapshots"] = snaps[-self.keep :]
        self.rd.write_checkpoint_index(self.index)
        return path

    def consider_best(self, step: int, metrics: dict[str, Any], get_state: Callable[[], dict[str, Any]]) -> Path | None:
        """Write best.pt if this evaluation's value of the chosen metric is at least as good as the
        kept one (a tie goes to the later, longer-trained checkpoint)."""
        if not self.main or self.best_metric is None:
            return None
        name, better = self.best_metric
        value = metrics.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        kept = self.index.get("best")
        if kept is not None and not (value <= kept["value"] if better == "lower" else value >= kept["value"]):
            return None
        path = self.rd.checkpoint_path("best")
        checkpoint.save(path, get_state())
        self.index["best"] = {"step": step, "metric": name, "value": value, "better": better}
        self.rd.write_checkpoint_index(self.index)
        return path
