"""Mode coverage of Stacked-MNIST (Metz et al. 2017; Srivastava et al. 2017; Lin et al. 2018),
offline on the ``stacked-digits`` dataset.

The shipped digits classifier labels each of a generated image's three channels; the triple of
labels is one of 1,000 modes. Reported: modes captured (modes with at least one sample) out of
1,000, and KL(p || uniform) of the mode histogram, on 10,000 samples by default (PacGAN used
25,600; at 10,000 a perfect sampler still finds about 1,000 modes: 1000 * (1 - e^-10)).

Beside that count, ``modes_held``, the rule of ``mode-coverage``: the modes holding at least
``share`` (10%) of their fair mass, N/1,000 samples. At the default 10,000 samples that is one
sample, so the two counts agree; at PacGAN's 25,600 (``diag.stacked-modes.samples=25600``) a
mode is held with 3 samples. A perfect sampler holds all but about 1000 * P(Poisson(N/1000) <
share * N/1000) modes: 0.05 at 10,000 samples, 0.000003 at 25,600.
"""

from __future__ import annotations

import torch

from ganlab.components import Diagnostic
from ganlab.plugins.diagnostics.mode_coverage import check_share, held


def mode_histogram(images: torch.Tensor, net) -> torch.Tensor:
    """(N, 3, H, W) in [-1, 1] -> counts over the 1,000 modes 100*a + 10*b + c."""
    labels = []
    with torch.no_grad():
        for c in range(3):
            labels.append(torch.cat([net(images[i : i + 1000, c : c + 1].float().cpu()).argmax(1) for i in range(0, len(images), 1000)]))
    modes = labels[0] * 100 + labels[1] * 10 + labels[2]
    return torch.bincount(modes, minlength=1000).double()


def kl_to_uniform(counts: torch.Tensor) -> float:
    p = counts / counts.sum()
    nz = p > 0
    return float((p[nz] * (p[nz] * len(p)).log()).sum())


class StackedModes(Diagnostic):
    """Modes captured out of 1,000 and KL to uniform on stacked-digits (Stacked-MNIST protocol)."""

    when = "eval"
    auto = True
    kinds = ("images",)
    needs = "stacked"  # the dataset stacks three digits (stacked-digits)
    better = {"modes": "higher", "modes_held": "higher", "kl": "lower"}

    def __init__(self, samples: int = 10000, share: float = 0.1):
        self.samples, self.share = samples, check_share("stacked-modes", share)
        self.state = ("ok", "")

    def setup(self, run, dataset):
        from ganlab.plugins.diagnostics.digits_net import load

        self.net = load()

    def evaluate(self, step, samples, dataset):
        counts = mode_histogram(samples, self.net)
        modes, kl = int((counts > 0).sum()), kl_to_uniform(counts)
        modes_held = int(held(counts, len(samples), self.share))
        level = "ok" if modes >= 900 else ("warning" if modes >= 500 else "failure")
        self.state = (level, f"{modes}/1000 modes captured ({modes_held} holding >= {self.share:.0%} of their share), "
                             f"KL to uniform {kl:.2f} ({len(samples):,} samples)")  # fmt: skip
        return {"modes": float(modes), "modes_held": float(modes_held), "kl": kl, "samples": float(len(samples))}

    def verdict(self):
        return self.state
