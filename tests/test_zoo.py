"""The loss zoo, regularizers, spectral normalisation and EMA against their formulas."""

import math

import pytest
import torch
from torch import nn

import ganlab
from ganlab.manager import get_manager
from ganlab.plugins.archs.mlp import build as build_mlp
from ganlab.plugins.losses.zoo import LSGAN, WGAN, WGANGP, Hinge, RaSGAN, RSGAN
from ganlab.plugins.regularizers.penalties import R1, R2
from ganlab.rundir import RunDir

R = torch.tensor([2.0, -1.0, 0.5])  # D's raw outputs on real data
FK = torch.tensor([0.0, 1.5, -2.0])  # ... and on generated data


def value_and_grads(fn):
    r, f = R.clone().requires_grad_(), FK.clone().requires_grad_()
    v = fn(r, f)
    v.backward()
    return v.item(), r.grad, f.grad


def sp(x):
    return math.log1p(math.exp(x))


def test_wgan_values_and_gradients():
    v, gr, gf = value_and_grads(WGAN().discriminator_loss)
    assert v == pytest.approx(FK.mean().item() - R.mean().item())  # -0.5/3 - 1.5/3
    assert torch.allclose(gr, torch.full((3,), -1 / 3)) and torch.allclose(gf, torch.full((3,), 1 / 3))
    assert WGAN().generator_loss(FK).item() == pytest.approx(0.5 / 3)


def test_hinge_by_hand():
    # relu(1 - r) = [0, 2, 0.5] -> mean 2.5/3 ; relu(1 + f) = [1, 2.5, 0] -> mean 3.5/3
    v, gr, gf = value_and_grads(Hinge().discriminator_loss)
    assert v == pytest.approx(6 / 3)
    assert gr.tolist() == pytest.approx([0, -1 / 3, -1 / 3])
    assert gf.tolist() == pytest.approx([1 / 3, 1 / 3, 0])
    assert Hinge().generator_loss(FK).item() == pytest.approx(0.5 / 3)


def test_lsgan_by_hand():
    # ((r-1)^2 mean = (1 + 4 + 0.25)/3 ; f^2 mean = (0 + 2.25 + 4)/3) / 2
    v, gr, gf = value_and_grads(LSGAN().discriminator_loss)
    assert v == pytest.approx(0.5 * (5.25 / 3 + 6.25 / 3))
    assert gr.tolist() == pytest.approx([(2 - 1) / 3, (-1 - 1) / 3, (0.5 - 1) / 3])  # (r - 1)/n
    assert gf.tolist() == pytest.approx([0, 1.5 / 3, -2 / 3])
    assert LSGAN().generator_loss(FK).item() == pytest.approx(0.5 * (1 + 0.25 + 9) / 3)


def test_rsgan_by_hand():
    d = [sp(-(r - f)) for r, f in zip(R.tolist(), FK.tolist())]
    assert RSGAN().discriminator_loss(R, FK).item() == pytest.approx(sum(d) / 3)
    g = [sp(-(f - r)) for r, f in zip(R.tolist(), FK.tolist())]
    assert RSGAN().generator_loss(FK, R).item() == pytest.approx(sum(g) / 3)
    assert RSGAN.needs_real_for_generator


def test_rasgan_by_hand():
    mr, mf = R.mean().item(), FK.mean().item()
    d = sum(sp(-(r - mf)) for r in R.tolist()) / 3 + sum(sp(f - mr) for f in FK.tolist()) / 3
    assert RaSGAN().discriminator_loss(R, FK).item() == pytest.approx(d)
    g = sum(sp(-(f - mr)) for f in FK.tolist()) / 3 + sum(sp(r - mf) for r in R.tolist()) / 3
    assert RaSGAN().generator_loss(FK, R).item() == pytest.approx(g)


class LinearD(nn.Module):
    """D(x) = w . x: its input gradient is w everywhere."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))

    def forward(self, x):
        return x @ self.w


def test_wgan_gp_penalty_is_lambda_times_norm_minus_one_squared():
    d = LinearD([1.2, 1.6])  # |w| = 2
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    pen = WGANGP().penalty(d, real, fake, generator=torch.Generator().manual_seed(0))
    assert pen.item() == pytest.approx(10 * (2 - 1) ** 2)
    pen.backward()
    assert d.w.grad is not None  # differentiable in D's weights


def test_r1_r2_and_lazy_regularisation():
    d = LinearD([0.6, 0.8])  # |w|^2 = 1
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert R1(gamma=10).penalty(d, real, fake, step=0).item() == pytest.approx(5.0)
    assert R2(gamma=4).penalty(d, real, fake, step=3).item() == pytest.approx(2.0)
    lazy = R1(gamma=10, every=4)
    assert lazy.penalty(d, real, fake, step=5) is None
    assert lazy.penalty(d, real, fake, step=8).item() == pytest.approx(20.0)  # scaled by every


def trainer(tmp_path, **over):
    from tests.conftest import make_trainer

    cfg = ganlab.load_config(overrides={"train.batch_size": 32, "arch.width": 16, "arch.d_width": 16, "log.progress": False, **over})
    return make_trainer(cfg, tmp_path / "r")


def test_wgan_clips_and_uses_rmsprop_as_the_paper_does(tmp_path):
    cfg = ganlab.load_config(overrides={"loss.name": "wgan"})
    assert (cfg.train.optimizer, cfg.train.lr_d, cfg.train.d_steps) == ("rmsprop", 5e-5, 5)
    assert ganlab.load_config(overrides={"loss.name": "wgan", "train.d_steps": 2}).train.d_steps == 2  # user wins
    t = trainer(tmp_path, **{"loss.name": "wgan", "train.lr_d": 0.5})
    assert isinstance(t.state.opt_d, torch.optim.RMSprop)
    t.step_fn(0)
    assert max(p.abs().max().item() for p in t.state.D.parameters()) <= 0.01


def test_wgan_gp_recommends_its_papers_adam():
    cfg = ganlab.load_config(overrides={"loss.name": "wgan-gp"})
    assert (cfg.train.lr_g, cfg.train.beta1, cfg.train.beta2, cfg.train.d_steps) == (1e-4, 0.0, 0.9, 5)


@pytest.mark.parametrize("maxout", [0, 3])
def test_spectral_norm_bounds_ds_layers(tmp_path, maxout):
    t = trainer(tmp_path, **{"arch.spectral_norm": True, "arch.d_maxout": maxout})
    for _ in range(20):
        t.state.D(torch.randn(64, 2))  # power iterations run in training-mode forwards
    for m in t.state.D.modules():
        if isinstance(m, nn.Linear):
            assert torch.linalg.matrix_norm(m.weight, ord=2).item() == pytest.approx(1.0, abs=0.05)


def test_ema_follows_the_formula_and_is_used_for_samples(tmp_path):
    t = trainer(tmp_path, **{"train.ema": 0.5})
    before = [p.detach().clone() for p in t.state.G.parameters()]
    t.step_fn(0)
    for e, b, p in zip(t.state.G_ema.parameters(), before, t.state.G.parameters()):
        assert torch.allclose(e, 0.5 * b + 0.5 * p.detach())
    assert "generator_ema" in t.state_dict()
    with torch.no_grad():
        z = t.parts.gan.latent(5, torch.Generator().manual_seed(t.config.seed + 1_000_003))
        assert torch.allclose(t.sampler.generate(5), t.state.G_ema(z))


@pytest.mark.parametrize("arch", [{}, {"arch.d_maxout": 3, "arch.batchnorm": True}])  # BatchNorm buffers too
def test_regularized_ema_run_resumes_bit_identically(tmp_path, arch):
    over = {"reg.name": "r1", "reg.every": 2, "train.ema": 0.9, "arch.spectral_norm": True, "train.steps": 40,
            "train.batch_size": 32, "log.every": 10, "log.eval_every": 0, "log.progress": False, **arch}  # fmt: skip
    ganlab.train(ganlab.load_config(overrides=over), out=tmp_path / "a")
    ganlab.train(ganlab.load_config(overrides={**over, "train.steps": 20}), out=tmp_path / "b")
    ganlab.resume(tmp_path / "b", steps=40)
    a = torch.load(tmp_path / "a" / "checkpoints" / "last.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "checkpoints" / "last.pt", weights_only=True)
    for key in ("generator", "generator_ema", "discriminator"):
        for name, v in a[key].items():
            assert torch.equal(v, b[key][name]), f"{key}.{name}"


def test_critic_losses_make_probability_diagnostics_not_applicable(tmp_path):
    over = {"loss.name": "hinge", "train.steps": 20, "train.batch_size": 32, "log.every": 10, "log.progress": False}
    s = ganlab.train(ganlab.load_config(overrides=over), out=tmp_path / "r").summary
    assert s["verdicts"]["equilibrium"]["reason"].startswith("not applicable: loss 'hinge' gives critic scores")
    assert "d_real" not in s["metrics"]


@pytest.mark.parametrize("sets, msg", [
    (["reg.name=r11"], "unknown regularizer 'r11'. Did you mean r1?"),
    (["reg.name=r1", "reg.gamma=-1"], None),
    (["train.optimizer=sgd"], "config key 'train.optimizer' must be one of adam, rmsprop, got 'sgd'"),
    (["train.ema=1.5"], "config key 'train.ema' must be in [0, 1)"),
    (["reg.gamma=1"], "unknown config key 'reg.gamma' for no regularizer ('none')"),
])  # fmt: skip
def test_bad_choices(sets, msg, tmp_path):
    if msg is None:  # options are checked when the run is built
        with pytest.raises(ganlab.GanlabError, match="reg.gamma must be >= 0"):
            trainer(tmp_path, **{"reg.name": "r1", "reg.gamma": -1.0})
        return
    with pytest.raises(ganlab.GanlabError) as e:
        ganlab.load_config(sets=sets)
    assert msg in str(e.value)


def test_maxout_discriminator_takes_the_largest_piece():
    gan = build_mlp(data_shape=(2,), d_width=2, d_depth=1, d_maxout=3)
    layer = gan.discriminator.net[0]
    with torch.no_grad():  # unit 0's pieces: x0, -x0, x1 ; unit 1's pieces: 1, 2, x0 + x1
        layer.weight.copy_(torch.tensor([[1.0, 0], [-1, 0], [0, 1], [0, 0], [0, 0], [1, 1]]))
        layer.bias.copy_(torch.tensor([0.0, 0, 0, 1, 2, 0]))
    out = layer(torch.tensor([[3.0, -5.0], [-1.0, 4.0]]))
    assert out.tolist() == [[3.0, 2.0], [4.0, 3.0]]


def test_batchnorm_generator_normalises_every_hidden_layer_and_drops_their_bias():
    gan = build_mlp(data_shape=(2,), width=8, depth=3, batchnorm=True)
    layers = list(gan.generator.net)
    assert sum(isinstance(m, nn.BatchNorm1d) for m in layers) == 3
    assert [m.bias is None for m in layers if isinstance(m, nn.Linear)] == [True, True, True, False]
