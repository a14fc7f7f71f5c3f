"""Is training blowing up? Non-finite values, exploding losses, sustained oscillation.

A NaN or Inf loss or gradient norm ends the run with status ``diverged`` (the trainer checks at
every logging point); this diagnostic gives it a verdict, and also flags:
  - exploding losses: |loss| above ``max_loss`` (``failure``);
  - sustained oscillation: D(G(z)) (or, for critics, loss_d) swinging up and down by more than
    ``swing`` at ``min_swings`` of the last ``window`` logging points (``warning``).
"""

from __future__ import annotations

import math
from collections import deque

from ganlab.components import Diagnostic


class Divergence(Diagnostic):
    """NaN/Inf (run ends as diverged), exploding losses, sustained oscillation."""

    when = "log"
    auto = True

    def __init__(self, max_loss: float = 1e4, window: int = 20, swing: float = 0.25, min_swings: int = 10):
        self.max_loss, self.swing, self.min_swings = max_loss, swing, min_swings
        self.history: deque[float] = deque(maxlen=window)
        self.state = ("ok", "")

    def observe(self, step, stats):
        values = [v for v in stats.values() if isinstance(v, float)]
        if not all(math.isfinite(v) for v in values):
            bad = ", ".join(k for k, v in stats.items() if isinstance(v, float) and not math.isfinite(v))
            self.state = ("failure", f"diverged: non-finite {bad} at step {step:,}")
            return {}
        worst = max(abs(stats["loss_d"]), abs(stats["loss_g"]))
        if worst > self.max_loss:
            self.state = ("failure", f"exploding losses: |loss| = {worst:.3g} > {self.max_loss:g} at step {step:,}")
            return {"max_abs_loss": worst}
        self.history.append(stats.get("d_fake", stats["loss_d"]))
        h = list(self.history)
        deltas = [b - a for a, b in zip(h, h[1:])]
        swings = sum(1 for a, b in zip(deltas, deltas[1:]) if a * b < 0 and min(abs(a), abs(b)) > self.swing)
        if swings >= self.min_swings:
            self.state = ("warning", f"oscillating: {swings} swings larger than {self.swing} in the last {len(h)} logging points")
        else:
            self.state = ("ok", "")
        return {"max_abs_loss": worst, "swings": float(swings)}

    def verdict(self):
        return self.state
