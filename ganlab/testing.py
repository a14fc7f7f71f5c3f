"""Helpers for testing plugins: the same contract checks ganlab's built-ins pass.

    import ganlab.testing as gt

    def test_my_loss():
        gt.check_loss(MyLoss())                         # formula-independent contract

    def test_my_architecture():
        gt.check_architecture(build, data_shape=(1, 32, 32), width=8)

    def test_my_plugin_trains(tmp_path):
        with gt.registered(my_plugin, "my-plugin"):     # registered for this test only
            gt.check_training_step(arch="mlp", loss="my-loss", data="ring8")
            summary = gt.quick_run(tmp_path, loss="my-loss")
            assert summary["status"] == "completed"

With pytest, ``from ganlab.testing import ganlab_plugin`` in a conftest.py gives a fixture:
``ganlab_plugin(module, "name")`` registers a plugin and removes it after the test.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

LEVELS = ("ok", "warning", "failure")


def _finite(t: Any) -> bool:
    import torch

    return bool(torch.isfinite(t).all())


def check_architecture(factory: Any, data_shape: tuple[int, ...] = (2,), batch: int = 4, **options: Any) -> Any:
    """Build ``factory(data_shape=..., **options)`` and check what every trainer relies on."""
    import torch

    from ganlab.components import GAN

    gan = factory(data_shape=tuple(data_shape), **options)
    assert isinstance(gan, GAN), f"an architecture factory must return ganlab.components.GAN, got {type(gan).__name__}"
    assert isinstance(gan.latent_dim, int) and gan.latent_dim > 0, "GAN.latent_dim must be a positive int"
    z = gan.latent(batch, torch.Generator().manual_seed(0))
    assert z.shape == (batch, gan.latent_dim), f"latent() must give (B, latent_dim), got {tuple(z.shape)}"
    fake = gan.generator(z)
    assert fake.shape == (batch, *data_shape), f"G must map (B, latent) to (B, *data_shape) = {(batch, *data_shape)}, got {tuple(fake.shape)}"
    out = gan.discriminator(fake)
    assert out.shape == (batch,), f"D must return one raw score per sample, shape (B,), got {tuple(out.shape)}"
    assert _finite(fake) and _finite(out), "G or D produced NaN/Inf on their first batch"
    out.mean().backward()
    assert any(p.grad is not None for p in gan.generator.parameters()), "no gradient reached G through D"
    return gan


def check_loss(loss: Any, batch: int = 8) -> None:
    """Values are finite scalars with finite gradients, at ordinary and extreme raw outputs."""
    import torch

    assert getattr(loss, "output", None) in ("probability", "critic"), "Loss.output must be 'probability' or 'critic'"
    assert isinstance(getattr(loss, "recommended", {}), dict), "Loss.recommended must be a dict of dotted config keys"
    for scale in (1.0, 30.0):
        g = torch.Generator().manual_seed(0)
        real = (torch.randn(batch, generator=g) * scale).requires_grad_()
        fake = (torch.randn(batch, generator=g) * scale).requires_grad_()
        d = loss.discriminator_loss(real, fake)
        gl = loss.generator_loss(fake, real if getattr(loss, "needs_real_for_generator", False) else None)
        for name, v in (("discriminator_loss", d), ("generator_loss", gl)):
            assert v.dim() == 0, f"{name} must return a scalar, got shape {tuple(v.shape)}"
            assert _finite(v), f"{name} is not finite at raw outputs of scale {scale}"
        grads = torch.autograd.grad(d + gl, [real, fake], allow_unused=True)
        assert all(gr is None or _finite(gr) for gr in grads), f"gradients not finite at scale {scale}"


def check_dataset(dataset: Any, n: int = 16) -> None:
    """kind, shape and batches as the trainer expects them; seeded batches are repeatable."""
    import torch

    assert dataset.kind in ("points", "images"), "Dataset.kind must be 'points' or 'images'"
    shape = tuple(dataset.shape)
    assert len(shape) == (1 if dataset.kind == "points" else 3), f"shape {shape} does not suit kind {dataset.kind!r}"
    ds = dataset.to("cpu")
    a = ds.batch(n, torch.Generator().manual_seed(1))
    b = ds.batch(n, torch.Generator().manual_seed(1))
    assert a.shape == (n, *shape), f"batch(n) must give (n, *shape) = {(n, *shape)}, got {tuple(a.shape)}"
    assert _finite(a), "a batch holds NaN/Inf"
    assert torch.equal(a, b), "batches drawn with equally seeded generators differ: use the generator you are given"
    if dataset.kind == "images":
        assert a.min() >= -1 and a.max() <= 1, "images must lie in [-1, 1]"
    if getattr(dataset, "modes", None) is not None:
        assert dataset.mode_std and dataset.mode_std > 0, "a mixture with modes needs a positive mode_std"


def check_diagnostic(diag: Any, dataset: Any = None, run: Any = None) -> None:
    """when, the values it returns, and its verdict's format."""
    import torch

    assert diag.when in ("log", "eval"), "Diagnostic.when must be 'log' or 'eval'"
    if run is not None:
        diag.setup(run, dataset)
    if diag.when == "log":
        stats = {"loss_d": 1.3, "loss_g": 0.7, "d_real": 0.55, "d_fake": 0.45, "grad_norm_g": 0.5, "grad_norm_d": 0.4, "steps_per_second": 100.0}
        values = diag.observe(50, stats)
    else:
        samples = dataset.batch(getattr(diag, "samples", 2500), torch.Generator().manual_seed(0))
        values = diag.evaluate(500, samples, dataset)
    assert isinstance(values, dict), "observe/evaluate must return a dict"
    for k, v in values.items():
        assert isinstance(k, str) and "/" not in k, f"value names are plain keys (ganlab adds 'NAME/'), got {k!r}"
        assert isinstance(v, (int, float, str)) and not isinstance(v, bool), f"{k!r}: values are numbers (or a protocol string)"
    level, reason = diag.verdict()
    assert level in LEVELS, f"verdict level must be one of {LEVELS}, got {level!r}"
    assert isinstance(reason, str) and "\n" not in reason, "a verdict's reason is one line"
    for key, direction in getattr(diag, "better", {}).items():
        assert direction in ("lower", "higher"), f"better[{key!r}] must be 'lower' or 'higher'"


def check_training_step(arch: str = "mlp", loss: str = "nonsat", data: str = "ring8", **overrides: Any) -> dict[str, float]:
    """One real training step of the shared trainer on the CPU with registered components, by
    name; returns its statistics (all finite)."""
    import tempfile

    import ganlab
    from ganlab.manager import get_manager
    from ganlab.rundir import RunDir
    from ganlab.trainer import Trainer

    over = {"arch.name": arch, "loss.name": loss, "data.name": data, "train.batch_size": 16, "device": "cpu", **overrides}
    cfg = ganlab.load_config(overrides=over)
    with tempfile.TemporaryDirectory() as d:
        rd = RunDir(Path(d) / "run")
        rd.create()
        t = Trainer(cfg, rd, get_manager())
        before = [p.detach().clone() for p in t.G.parameters()]
        stats, _ = t._read_stats(t.train_step(want_stats=True))
    assert all(math.isfinite(v) for v in stats.values()), f"non-finite statistics after one step: {stats}"
    assert any(not b.equal(p) for b, p in zip(before, t.G.parameters())), "one step did not change G"
    return stats


def quick_run(out: str | Path, steps: int = 40, **names: str) -> dict[str, Any]:
    """A short, quiet run (arch/loss/data names as keywords) into ``out``; returns its summary."""
    import ganlab

    over: dict[str, Any] = {"train.steps": steps, "train.batch_size": 32, "log.every": 10, "log.eval_every": steps, "log.progress": False}
    over.update({f"{'data' if k == 'dataset' else k}.name": v for k, v in names.items() if k in ("arch", "loss", "data", "dataset")})
    return ganlab.train(ganlab.load_config(overrides=over), out=Path(out) / "run").summary


@contextmanager
def registered(plugin: Any, name: str) -> Iterator[Any]:
    """Register a plugin (module or object of @ganlab.hookimpl functions) for a block."""
    from ganlab.manager import get_manager

    m = get_manager()
    if not m.add_plugin(plugin, name):
        raise AssertionError(f"plugin {name!r} was refused: " + "; ".join(str(p) for p in m.problems if p.plugin == name))
    try:
        yield m
    finally:
        m.remove_plugin(name)


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is only needed for the fixture
    pytest = None

if pytest is not None:

    @pytest.fixture
    def ganlab_plugin():
        """``ganlab_plugin(module, "name")`` registers a plugin until the test ends."""
        from ganlab.manager import get_manager

        names: list[str] = []

        def add(plugin: Any, name: str) -> Any:
            m = get_manager()
            if m.pm.is_registered(plugin):
                return m  # already loaded through its entry point (the package is installed)
            if not m.add_plugin(plugin, name):
                raise AssertionError(f"plugin {name!r} was refused: " + "; ".join(str(p) for p in m.problems if p.plugin == name))
            names.append(name)
            return m

        yield add
        m = get_manager()
        for name in names:
            if name in m.plugins:
                m.remove_plugin(name)
