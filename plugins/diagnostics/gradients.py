"""Gradient norms of G and D and their ratio; flags vanishing generator gradients.

The minimax loss saturates: when D rejects fakes confidently, d/dl log(1 - sigmoid(l)) =
-sigmoid(l) -> 0, so G stops learning (Goodfellow et al. 2014, section 3; Fedus et al. 2018).
Verdict: ``failure`` when G's global gradient norm stays below ``min_norm`` for ``span`` steps.
"""

from __future__ import annotations

from ganlab.components import Diagnostic
from ganlab.plugins.diagnostics.window import Sustained


class Gradients(Diagnostic):
    """Gradient norms of G and D and their ratio; flags vanishing G gradients."""

    when = "log"
    auto = True

    def __init__(self, min_norm: float = 1e-3, span: int = 1000):
        self.min_norm = min_norm
        self.vanishing = Sustained(span)
        self.state = ("ok", "")
        self.loss = ""

    def setup(self, run, dataset):
        self.loss = run.config.loss.name

    def observe(self, step, stats):
        g, d = stats["grad_norm_g"], stats["grad_norm_d"]
        if self.vanishing.update(step, g < self.min_norm):
            why = " (minimax saturation)" if self.loss == "minimax" else ""
            self.state = (
                "failure",
                f"generator gradients vanishing: |grad G| < {self.min_norm:g} for the last "
                f"{step - self.vanishing.since:,} steps{why}",
            )
        elif g >= self.min_norm:
            self.state = ("ok", "")
        return {"ratio": g / d if d > 0 else float(g > 0) * 1e12}

    def verdict(self):
        return self.state
