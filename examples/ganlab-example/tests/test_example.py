"""The example plugin's own tests, written with ganlab.testing as any plugin author would."""

import torch

import ganlab_example
import ganlab.testing as gt
from ganlab.testing import ganlab_plugin  # noqa: F401  (the fixture)
from ganlab_example.loss import SmoothNonSaturating
from ganlab_example.model import build
from ganlab_example.spiral import Spiral
from ganlab_example.spread import Spread


def test_components_pass_the_contract():
    gt.check_architecture(build, data_shape=(2,))
    gt.check_architecture(build, data_shape=(1, 8, 8))
    gt.check_loss(SmoothNonSaturating())
    gt.check_dataset(Spiral())
    gt.check_diagnostic(Spread(), Spiral())


def test_label_smoothing_by_hand():
    # at logit 0: 0.9 * log 2 + 0.1 * log 2 + log 2 = 2 log 2
    v = SmoothNonSaturating().discriminator_loss(torch.zeros(3), torch.zeros(3))
    assert abs(v.item() - 2 * 0.6931471805599453) < 1e-6


def test_a_collapsed_sampler_is_flagged():
    d = Spread()
    d.evaluate(0, torch.zeros(500, 2), Spiral())
    assert d.verdict()[0] == "warning"


def test_trains_inside_ganlab(tmp_path, ganlab_plugin):
    ganlab_plugin(ganlab_example, "example-under-test")
    gt.check_training_step(arch="residual-mlp", loss="smooth-nonsat", data="spiral")
    summary = gt.quick_run(tmp_path, arch="residual-mlp", loss="smooth-nonsat", data="spiral")
    assert summary["status"] == "completed"
