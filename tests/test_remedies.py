"""The remedies for mode collapse: packing (PacGAN), minibatch standard deviation (Karras et al.
2018) and unrolled steps (Metz et al. 2017), checked against hand-worked values."""

import copy

import pytest
import torch
from torch import nn

import ganlab
import ganlab.testing as gt
from ganlab.components import GAN, Loss
from ganlab.engine.unroll import Unroller
from ganlab.errors import GanlabError
from ganlab.nn import MinibatchStd, Packed
from tests.conftest import make_trainer, quick


class Recorder(nn.Module):
    """A discriminator that records every input it sees and scores it by its first coordinate."""

    def __init__(self, n_in):
        super().__init__()
        self.lin = nn.Linear(n_in, 1)
        self.seen = []

    def forward(self, x):
        self.seen.append(x.detach().clone())
        return self.lin(x.flatten(1)).squeeze(1)


def test_a_packed_d_sees_exactly_its_m_samples_concatenated():
    inner = Recorder(6)
    x = torch.arange(12.0).view(6, 2)  # six 2-D points: (0,1), (2,3), ...
    Packed(inner, 3)(x)
    assert inner.seen[0].tolist() == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]  # points 0-2, then 3-5
    images = torch.arange(2 * 2 * 1 * 1.0).view(4, 1, 1, 1)  # four 1x1 grey images
    inner = Recorder(2)
    Packed(inner, 2)(images)
    assert inner.seen[0].shape == (2, 2, 1, 1) and inner.seen[0].flatten().tolist() == [0, 1, 2, 3]  # channels
    with pytest.raises(ValueError, match="does not split into packs of 3"):
        Packed(Recorder(6), 3)(torch.zeros(4, 2))


def test_the_packed_batch_never_mixes_real_and_generated(tmp_path, ganlab_plugin):
    """In a real training step every packed row D sees is wholly real (ring8: radius 1) or wholly
    generated (this G outputs exactly 50)."""
    far = nn.Linear(16, 2)
    nn.init.zeros_(far.weight)
    nn.init.constant_(far.bias, 50.0)

    def arch(*, data_shape, latent_dim: int = 16):
        """G: always (50, 50); D: a recorder."""
        return GAN(nn.Sequential(far), Recorder(data_shape[0]), latent_dim)

    class Plugin:
        @ganlab.hookimpl
        def register_architectures(self, register):
            register("far", arch)

    ganlab_plugin(Plugin(), "far")
    t = make_trainer(quick(**{"arch.name": "far", "train.pack": 4, "train.batch_size": 32, "arch.width": None,
                              "arch.d_width": None, "arch.depth": None, "arch.d_depth": None}), tmp_path / "r")  # fmt: skip
    t.step_fn(0)
    seen = t.state.D.inner.seen
    assert [s.shape for s in seen] == [(8, 8)] * 3  # D(real), D(fake) in D's step; D(fake) in G's step
    for batch in seen:
        for row in batch:
            real = row.abs().max() < 2
            assert real or torch.all((row - 50).abs() < 1e-3), row
    assert all(r.abs().max() < 2 for r in seen[0]) and all((r - 50).abs().max() < 1e-3 for r in seen[1])


@pytest.mark.parametrize("d_steps", [1, 2])
def test_pack_one_and_unroll_zero_are_the_plain_step_bit_for_bit(tmp_path, d_steps):
    """With train.pack = 1 and train.unroll = 0 ganlab's step is the step as one writes it by hand
    (Goodfellow et al. 2014, Algorithm 1, non-saturating; PyTorch's DCGAN example): from the same
    weights and random state, the same weights and Adam state bit for bit after 6 steps."""
    cfg = quick(**{"train.pack": 1, "train.unroll": 0, "train.ema": 0.0, "train.d_steps": d_steps})
    t = make_trainer(cfg, tmp_path / "r")
    assert not isinstance(t.state.D, Packed) and t.step_fn.unroller is None
    G, D = copy.deepcopy(t.state.G), copy.deepcopy(t.state.D)
    tc = cfg.train
    opt_g = torch.optim.Adam(G.parameters(), lr=tc.lr_g, betas=(tc.beta1, tc.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=tc.lr_d, betas=(tc.beta1, tc.beta2))
    rng = torch.Generator().manual_seed(cfg.seed)
    data, latent, n = t.parts.dataset, t.parts.gan.latent, tc.batch_size
    softplus = nn.functional.softplus
    for i in range(6):
        t.step_fn(i)
        for _ in range(d_steps):  # D: ascend log D(x) + log(1 - D(G(z)))
            real = data.batch(n, rng)
            fake = G(latent(n, rng, torch.device("cpu")))
            loss_d = softplus(-D(real)).mean() + softplus(D(fake.detach())).mean()
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        loss_g = softplus(-D(fake)).mean()  # G: ascend log D(G(z)), on the last generated batch
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    for mine, theirs in ((G, t.state.G), (D, t.state.D)):
        for (name, a), b in zip(mine.state_dict().items(), theirs.state_dict().values()):
            assert torch.equal(a, b), name
    for mine, theirs in ((opt_g, t.state.opt_g), (opt_d, t.state.opt_d)):
        for a, b in zip(mine.state_dict()["state"].values(), theirs.state_dict()["state"].values()):
            assert torch.equal(a["exp_avg_sq"], b["exp_avg_sq"])
    assert torch.equal(rng.get_state(), t.state.rng.get_state())  # the same draws, no more, no fewer
    # and the test can tell steps apart: a packed step from the same start ends elsewhere
    packed = make_trainer(quick(**{"train.pack": 2, "train.ema": 0.0, "train.d_steps": d_steps}), tmp_path / "p")
    for i in range(6):
        packed.step_fn(i)
    assert not torch.equal(next(iter(packed.state.G.parameters())), next(iter(t.state.G.parameters())))


def test_packing_trains_and_records_one_score_per_pack(tmp_path):
    run = ganlab.train(quick(**{"train.pack": 4}), out=tmp_path / "r")
    assert run.summary["status"] == "completed"
    d = torch.load(run.dir / "checkpoints" / "last.pt", weights_only=True)["discriminator"]
    assert d["inner.net.0.weight"].shape[1] == 2 * 4  # D's first layer takes 4 points at once
    assert 0 < run.summary["metrics"]["d_real"] < 1  # still a probability: the mean over packs


def test_the_batch_must_divide_into_packs():
    with pytest.raises(GanlabError, match="train.batch_size 30 does not divide into packs of train.pack = 4"):
        ganlab.load_config(overrides={"train.batch_size": 30, "train.pack": 4})


def test_minibatch_std_equals_the_hand_computed_std():
    x = torch.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0], [7.0, 8.0]])
    out = MinibatchStd(group_size=2)(x)  # groups {0, 2} and {1, 3} (sample i is in group i mod 2)
    # group {0, 2}: features (1, 5) and (2, 4): population stds 2 and 1 -> 1.5; group {1, 3}: (3, 7), (6, 8): 2 and 1 -> 1.5
    g0 = (torch.tensor([1.0, 5.0]).std(unbiased=False) + torch.tensor([2.0, 4.0]).std(unbiased=False)) / 2
    assert out[:, 2].tolist() == pytest.approx([g0.item(), 1.5, g0.item(), 1.5], abs=1e-6)
    whole = MinibatchStd(group_size=0)(x)[:, 2]
    expected = (x.std(dim=0, unbiased=False).mean()).item()
    assert whole.tolist() == pytest.approx([expected] * 4, abs=1e-6)
    img = MinibatchStd(4)(torch.randn(4, 3, 2, 2))
    assert img.shape == (4, 4, 2, 2) and torch.all(img[:, 3] == img[0, 3, 0, 0])  # one constant channel


@pytest.mark.parametrize("arch, shape, options", [
    ("mlp", (2,), {"minibatch_std": True}),
    ("mlp", (2,), {"minibatch_std": True, "minibatch_std_group": 0, "d_maxout": 3}),
    ("dcgan", (3, 16, 16), {"minibatch_std": True, "width": 8}),
])  # fmt: skip
def test_minibatch_std_in_the_built_in_discriminators(arch, shape, options):
    from ganlab.manager import get_manager

    factory = get_manager().registry("architecture").get(arch).load()
    gan = gt.check_architecture(factory, data_shape=shape, batch=8, **options)
    assert any(isinstance(m, MinibatchStd) for m in gan.discriminator.modules())


@pytest.mark.parametrize("over", [{"train.pack": 2}, {"train.unroll": 2}, {"arch.minibatch_std": True},
                                  {"train.pack": 2, "train.unroll": 1, "arch.minibatch_std": True},
                                  {"train.unroll": 1, "loss.name": "rsgan"}, {"train.unroll": 1, "loss.name": "wgan"}])  # fmt: skip
def test_each_remedy_trains_one_step(over):
    gt.check_training_step(**over)


def test_each_remedy_trains_dcgan_one_step():
    gt.check_training_step(arch="dcgan", data="stacked-digits", **{"arch.width": 8, "data.image_size": 16, "train.pack": 2,
                                                                    "train.unroll": 1, "arch.minibatch_std": True})  # fmt: skip


class _Tiny(Loss):
    def discriminator_loss(self, real_out, fake_out):
        return nn.functional.softplus(-real_out).mean() + nn.functional.softplus(fake_out).mean()

    def generator_loss(self, fake_out, real_out=None):
        return nn.functional.softplus(-fake_out).mean()


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_the_unrolled_generator_gradient_matches_finite_differences(optimizer):
    """G's loss through k = 3 look-ahead D updates, as a function of G's weights: the gradient
    autograd gives through the updates equals central finite differences (float64)."""
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    D = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Flatten(0)).double()
    opt = torch.optim.Adam(D.parameters(), lr=0.05, betas=(0.5, 0.9)) if optimizer == "adam" else torch.optim.RMSprop(D.parameters(), lr=0.05)
    z, real = torch.randn(8, 2, dtype=torch.float64), torch.randn(8, 2, dtype=torch.float64) + 1
    loss = _Tiny()
    opt.zero_grad()  # one real D step first, so the optimizer has its running statistics
    loss.discriminator_loss(D(real), D(G(z).detach())).backward()
    opt.step()
    unroller = Unroller(D, opt, loss, k=3)
    D.requires_grad_(False)
    d_before = [p.detach().clone() for p in D.parameters()]

    def f():
        return unroller.generator_loss(real, G(z))

    G.zero_grad()
    f().backward()
    analytic = torch.cat([p.grad.flatten() for p in G.parameters()])
    numeric = []
    with torch.no_grad():
        for p in G.parameters():
            flat = p.view(-1)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + 1e-6
                with torch.enable_grad():
                    up = f().item()
                flat[i] = old - 1e-6
                with torch.enable_grad():
                    down = f().item()
                flat[i] = old
                numeric.append((up - down) / 2e-6)
    assert torch.allclose(analytic, torch.tensor(numeric, dtype=torch.float64), rtol=1e-5, atol=1e-8)
    # and the look-ahead changed the answer: unrolling is not the plain G loss
    with torch.no_grad():
        plain = loss.generator_loss(D(G(z)))
    assert abs(f().item() - plain.item()) > 1e-4
    assert all(torch.equal(a, b) for a, b in zip(d_before, D.parameters()))  # the look-ahead left D alone


def test_unrolling_leaves_d_and_its_optimizer_untouched(tmp_path):
    t = make_trainer(quick(**{"train.unroll": 3}), tmp_path / "r")
    t.step_fn(0)
    d_before = [p.detach().clone() for p in t.state.D.parameters()]
    state_before = {k: v.clone() for k, v in t.state.opt_d.state[next(iter(t.state.D.parameters()))].items() if torch.is_tensor(v)}
    t.step_fn.unroller.generator_loss(*t.step_fn.batches(64)[:1], t.state.G(t.step_fn.batches(64)[1]))
    assert all(torch.equal(a, b) for a, b in zip(d_before, t.state.D.parameters()))
    after = t.state.opt_d.state[next(iter(t.state.D.parameters()))]
    assert all(torch.equal(v, after[k]) for k, v in state_before.items())
