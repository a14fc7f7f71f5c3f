"""Is the game near equilibrium, or has the discriminator won?

Mean D(x) and D(G(z)) as probabilities, and the Jensen-Shannon estimate the discriminator's loss
implies. Goodfellow et al. 2014, Theorem 1: at the optimal D, V(D, G) = -log 4 + 2 JSD(p_data || p_g);
our D loss is L_D = -V (BCE on real plus BCE on fake), so JSD >= log 2 - L_D / 2, with equality
when D is optimal. Near equilibrium D(x) ~ D(G(z)) ~ 0.5 and L_D ~ log 4 (JSD ~ 0).

Verdict: ``failure`` when D(G(z)) < 0.05 at every logging point for ``span`` steps (the
discriminator has won; with the minimax loss this is where G's gradients vanish).
"""

from __future__ import annotations

import math

from ganlab.components import Diagnostic
from ganlab.plugins.diagnostics.window import Sustained


class Equilibrium(Diagnostic):
    """Mean D(x), D(G(z)) and the JSD bound the D loss implies; flags a D that has won."""

    when = "log"
    auto = True

    def __init__(self, threshold: float = 0.05, span: int = 1000):
        self.threshold = threshold
        self.won = Sustained(span)
        self.state = ("ok", "")
        self.applicable = True

    def setup(self, run, dataset):
        self.applicable = run.loss_output == "probability"
        if not self.applicable:
            self.state = ("ok", f"not applicable: loss {run.config.loss.name!r} gives critic scores, not probabilities")

    def observe(self, step, stats):
        if not self.applicable or "d_fake" not in stats:
            return {}
        jsd = max(0.0, math.log(2) - stats["loss_d"] / 2)
        if self.won.update(step, stats["d_fake"] < self.threshold):
            self.state = (
                "failure",
                f"discriminator wins: D(G(z)) < {self.threshold} for the last {step - self.won.since:,} steps",
            )
        elif stats["d_fake"] >= self.threshold:
            self.state = ("ok", "")
        return {"jsd_lower_bound": jsd, "d_gap": stats["d_real"] - stats["d_fake"]}

    def verdict(self):
        return self.state
