"""Diagnostics on cases whose answer is known."""

import math

import pytest
import torch

from ganlab.plugins.diagnostics.equilibrium import Equilibrium
from ganlab.plugins.diagnostics.gradients import Gradients
from ganlab.plugins.diagnostics.mode_coverage import ModeCoverage, coverage
from ganlab.plugins.datasets.mixtures import Grid, Ring


def test_perfect_sampler_covers_every_mode_with_989_percent_high_quality():
    ring = Ring()
    x = ring.batch(200_000, torch.Generator().manual_seed(0))
    out = coverage(x, ring.modes, ring.mode_std)
    assert out["modes"] == 8
    # Euclidean 3-sigma radius in 2-D: P(chi2_2 <= 9) = 1 - exp(-4.5) = 98.89%
    assert out["high_quality"] == pytest.approx(100 * (1 - math.exp(-4.5)), abs=0.1)
    assert out["reverse_kl"] == pytest.approx(0, abs=1e-3)


def test_sampler_stuck_on_one_mode():
    grid = Grid()
    x = grid.modes[7] + 0.01 * torch.randn(2500, 2, generator=torch.Generator().manual_seed(0))
    out = coverage(x, grid.modes, grid.mode_std)
    assert out["modes"] == 1 and out["high_quality"] == 100.0
    assert out["reverse_kl"] == pytest.approx(math.log(25))


def test_far_away_samples_are_not_high_quality():
    ring = Ring()
    out = coverage(torch.full((100, 2), 5.0), ring.modes, ring.mode_std)
    kl = out.pop("reverse_kl")
    assert out == {"modes": 0.0, "modes_held": 0.0, "high_quality": 0.0} and kl != kl  # undefined: NaN


def test_mode_coverage_verdicts():
    ring = Ring()
    diag = ModeCoverage()

    class Run:
        class config:
            class data:
                name = "ring8"

    diag.setup(Run, ring)
    diag.evaluate(100, ring.batch(2500, torch.Generator().manual_seed(1)), ring)
    assert diag.verdict()[0] == "ok"
    diag.evaluate(200, ring.modes[:1].repeat(2500, 1), ring)
    level, reason = diag.verdict()
    assert level == "failure" and reason.startswith("mode collapse: 1/8 modes captured (1 holding >= 10% of their share), 100.0% high quality")


def test_modes_held_does_not_flip_with_the_draw():
    """A generator with 19 well-covered grid modes and 1-2 samples on 4 more: PacGAN's count
    changes from draw to draw, the held count does not (and it says 19)."""
    from ganlab.plugins.datasets.mixtures import Grid

    grid = Grid()
    weights = torch.tensor([1.0] * 19 + [0.0006] * 4 + [0.0] * 2)  # ~1.4 expected samples on each of 4 modes

    def draw(seed):
        g = torch.Generator().manual_seed(seed)
        idx = torch.multinomial(weights, 2500, replacement=True, generator=g)
        return grid.modes[idx] + 0.05 * torch.randn(2500, 2, generator=g)

    counts = [coverage(draw(s), grid.modes, grid.mode_std) for s in range(12)]
    assert len({c["modes"] for c in counts}) > 1  # PacGAN's rule flips
    assert {c["modes_held"] for c in counts} == {19.0}


class FakeRun:
    def __init__(self, loss="minimax", output="probability"):
        self.loss_output = output

        class C:
            class config:
                pass

        self.config = type("Cfg", (), {"loss": type("L", (), {"name": loss})})()


def test_equilibrium_flags_a_discriminator_that_has_won():
    diag = Equilibrium(span=1000)
    diag.setup(FakeRun(), None)
    for step in range(50, 1000, 50):
        out = diag.observe(step, {"loss_d": 0.02, "d_real": 0.99, "d_fake": 0.01})
        assert out["jsd_lower_bound"] == pytest.approx(math.log(2) - 0.01)
        assert diag.verdict()[0] == "ok"  # not yet for 1,000 steps
    diag.observe(1000, {"loss_d": 0.02, "d_real": 0.99, "d_fake": 0.01})
    assert diag.verdict() == ("failure", "discriminator wins: D(G(z)) < 0.05 for the last 1,000 steps")
    diag.observe(1050, {"loss_d": 0.02, "d_real": 0.99, "d_fake": 0.01})
    level, reason = diag.verdict()
    assert level == "failure"
    assert reason == "discriminator wins: D(G(z)) < 0.05 for the last 1,050 steps"
    diag.observe(1100, {"loss_d": 1.3, "d_real": 0.5, "d_fake": 0.45})
    assert diag.verdict() == ("ok", "")


def test_equilibrium_at_the_optimum_estimates_zero_jsd():
    diag = Equilibrium()
    diag.setup(FakeRun(), None)
    out = diag.observe(50, {"loss_d": math.log(4), "d_real": 0.5, "d_fake": 0.5})
    assert out["jsd_lower_bound"] == pytest.approx(0.0)


def test_equilibrium_is_not_applicable_to_critics():
    diag = Equilibrium()
    diag.setup(FakeRun(output="critic"), None)
    assert diag.observe(50, {"loss_d": -3.0}) == {}
    assert diag.verdict()[1].startswith("not applicable")


def test_gradients_flags_minimax_saturation():
    diag = Gradients(min_norm=1e-3, span=200)
    diag.setup(FakeRun("minimax"), None)
    for step in (50, 100, 150, 200):
        out = diag.observe(step, {"grad_norm_g": 1e-5, "grad_norm_d": 1.0})
    assert out["ratio"] == pytest.approx(1e-5)
    level, reason = diag.verdict()
    assert level == "failure" and reason.endswith("for the last 200 steps (minimax saturation)")
