"""Each loss against its formula on hand-computed logits: value and gradient."""

import math

import pytest
import torch

from ganlab.plugins.losses.classic import Minimax, NonSaturating


def grad_of(fn, logits):
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    value = fn(x)
    value.backward()
    return value.item(), x.grad.tolist()


@pytest.mark.parametrize("loss", [Minimax(), NonSaturating()])
def test_discriminator_loss_at_chance_is_log4(loss):
    # D(x) = D(G(z)) = 0.5: -[log 0.5 + log 0.5] = log 4
    v = loss.discriminator_loss(torch.zeros(4), torch.zeros(4))
    assert v.item() == pytest.approx(math.log(4))


def test_discriminator_loss_is_bce_real_1_fake_0():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    sig = torch.sigmoid
    expected = -(sig(real).log().mean() + (1 - sig(fake)).log().mean())
    assert Minimax().discriminator_loss(real, fake).item() == pytest.approx(expected.item(), rel=1e-6)


def test_minimax_generator_minimises_log_one_minus_d():
    # l = 0: log(1 - 0.5) = -log 2 ; l = 2: log(1 - sigmoid(2))
    v, g = grad_of(lambda x: Minimax().generator_loss(x), [0.0, 2.0])
    assert v == pytest.approx((math.log(0.5) + math.log(1 - 1 / (1 + math.exp(-2)))) / 2)
    # d/dl log(1 - sigmoid(l)) = -sigmoid(l), averaged over 2
    assert g == pytest.approx([-0.5 / 2, -(1 / (1 + math.exp(-2))) / 2])


def test_nonsat_generator_maximises_log_d():
    v, g = grad_of(lambda x: NonSaturating().generator_loss(x), [0.0, 2.0])
    assert v == pytest.approx(-(math.log(0.5) + math.log(1 / (1 + math.exp(-2)))) / 2)
    # d/dl -log sigmoid(l) = -(1 - sigmoid(l))
    assert g == pytest.approx([-0.5 / 2, -(1 - 1 / (1 + math.exp(-2))) / 2])


def test_minimax_saturates_where_nonsat_does_not():
    # D rejects the fakes confidently: logit -10, D(G(z)) = 4.5e-5.
    _, g_minimax = grad_of(lambda x: Minimax().generator_loss(x), [-10.0])
    _, g_nonsat = grad_of(lambda x: NonSaturating().generator_loss(x), [-10.0])
    assert abs(g_minimax[0]) == pytest.approx(4.5398e-5, rel=1e-3)
    assert abs(g_nonsat[0]) == pytest.approx(1.0, rel=1e-4)


def test_losses_stay_finite_at_extreme_logits():
    big = torch.tensor([1e4, -1e4])
    for loss in (Minimax(), NonSaturating()):
        assert torch.isfinite(loss.discriminator_loss(big, big))
        assert torch.isfinite(loss.generator_loss(big))
