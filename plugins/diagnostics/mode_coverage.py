"""Mode coverage of a Gaussian mixture, the protocol of PacGAN (Lin et al. 2018) and VEEGAN.

On the generated samples of an evaluation (2,500 by default):
  - a sample is *high quality* when its Euclidean distance to the nearest mode centre is within
    3 standard deviations (3 * std as a radius in the data space, not per coordinate: a perfect
    sampler in 2-D then scores 1 - exp(-9/2) = 98.9%);
  - a mode is *captured* when it is the nearest mode of at least one high-quality sample;
  - *reverse KL* is KL(p || uniform) of the histogram p of high-quality samples over modes
    (0 when they spread evenly; log K when all sit on one mode).

PacGAN's count (``modes``) flips with the sample draw when a generator puts one or two samples
on a mode: the same generator scores 23 with one draw of 2,500 and 19 with the next. So ganlab
also reports ``modes_held``: the modes holding at least ``share`` (10%) of their fair mass, N/K of
the N samples, in high-quality samples (10 of 2,500 on the 25-mode grid, 32 on the 8-mode ring).
A mode with that much mass is found again by any draw; one with a sample or two is not counted.

>>> import torch
>>> from ganlab.plugins.diagnostics.mode_coverage import coverage
>>> modes = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
>>> x = torch.cat([torch.zeros(97, 2), modes[1].repeat(3, 1)])
>>> out = coverage(x, modes, std=0.1)   # 97 samples on one mode, 3 on the other (fair share 50, 10% of it 5)
>>> out["modes"], out["modes_held"], out["high_quality"]
(2.0, 1.0, 100.0)

Works for any dataset that declares ``modes`` (K, D) and ``mode_std``.
"""

from __future__ import annotations


import torch

from ganlab.components import Diagnostic


def held(counts: torch.Tensor, n: int, share: float) -> float:
    """Modes whose count reaches ``share`` of their fair mass, n / len(counts) samples."""
    return float((counts >= share * n / len(counts)).sum())


def check_share(name: str, share: float) -> float:
    from ganlab.errors import GanlabError

    if not 0 < share <= 1:
        raise GanlabError(f"diag.{name}.share must be in (0, 1] (a share of a mode's fair mass), got {share}")
    return share


def coverage(samples: torch.Tensor, modes: torch.Tensor, std: float, share: float = 0.1) -> dict[str, float]:
    samples, modes = samples.double().cpu(), modes.double().cpu()
    dist = torch.cdist(samples, modes)  # (N, K)
    nearest_d, nearest = dist.min(dim=1)
    hq = nearest_d <= 3 * std
    counts = torch.bincount(nearest[hq], minlength=len(modes)).double()
    out = {
        "modes": float((counts > 0).sum()),
        "modes_held": held(counts, len(samples), share),
        "high_quality": 100.0 * float(hq.double().mean()),
    }
    out["reverse_kl"] = float("nan")  # undefined without high-quality samples (null in summary.json)
    if counts.sum() > 0:
        p = counts / counts.sum()
        nz = p > 0
        out["reverse_kl"] = float((p[nz] * (p[nz] * len(modes)).log()).sum())
    return out


class ModeCoverage(Diagnostic):
    """Modes captured, % high quality, reverse KL (PacGAN protocol, mixtures)."""

    when = "eval"
    auto = True
    kinds = ("points",)
    needs = "has_modes"
    better = {"modes": "higher", "modes_held": "higher", "high_quality": "higher", "reverse_kl": "lower"}
    headline = "modes_held"  # the best checkpoint is the one holding most modes

    def __init__(self, share: float = 0.1):
        self.share = check_share("mode-coverage", share)
        self.state = ("ok", "")
        self.k = 0

    def setup(self, run, dataset):
        if getattr(dataset, "modes", None) is None:
            from ganlab.errors import GanlabError

            raise GanlabError(f"diagnostic 'mode-coverage' needs a mixture dataset that declares its modes, not {run.config.data.name!r}")
        self.k = len(dataset.modes)

    def evaluate(self, step, samples, dataset):
        out = coverage(samples, torch.as_tensor(dataset.modes), float(dataset.mode_std), self.share)
        out["samples"] = float(len(samples))
        m, hq = int(out["modes"]), out["high_quality"]
        level = "ok" if m == self.k else ("warning" if m > self.k / 2 else "failure")
        what = "all" if m == self.k else ("mode collapse:" if level == "failure" else "missing modes:")
        held = int(out["modes_held"])
        self.state = (level, f"{what} {m}/{self.k} modes captured ({held} holding >= {self.share:.0%} of their share), {hq:.1f}% high quality" + (
            f", reverse KL {out['reverse_kl']:.2f}" if out["reverse_kl"] == out["reverse_kl"] else ""))
        return out

    def verdict(self):
        return self.state
