"""Helpers for testing plugins: the same contract checks ganlab's built-ins pass.

    import ganlab.testing as gt

    def test_my_loss():
        gt.check_loss(MyLoss())                         # formula-independent contract

    def test_my_architecture():
        gt.check_architecture(build, data_shape=(1, 32, 32), width=8)   # also checks packing works

    def test_my_plugin_trains(tmp_path):
        with gt.registered(my_plugin, "my-plugin"):     # registered for this test only
            gt.check_training_step(arch="mlp", loss="my-loss", data="ring8")
            summary = gt.quick_run(tmp_path / "run", loss="my-loss", diagnostics=["my-diag"])
            assert summary["status"] == "completed"

With pytest, ``from ganlab.testing import ganlab_plugin`` in a conftest.py gives a fixture:
``ganlab_plugin(module, "name")`` registers a plugin and removes it after the test.
docs/plugins.md describes every helper and its arguments.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ganlab.components import EVAL_SAMPLES, LEVELS


def _finite(t: Any) -> bool:
    import torch

    return bool(torch.isfinite(t).all())


def check_architecture(factory: Any, data_shape: tuple[int, ...] = (2,), batch: int = 4, pack: int = 2, **options: Any) -> Any:
    """Build ``factory(data_shape=..., **options)`` and check what every trainer relies on. With
    ``pack`` > 1 also that its D accepts ``pack`` samples widened into one input (what
    ``train.pack`` builds) and works with ganlab's spectral normalisation; ``pack=1`` skips that."""
    import torch

    from ganlab.components import GAN
    from ganlab.nn import Packed, spectral_normalize

    if not callable(factory):
        raise TypeError(f"check_architecture takes the factory function itself (what register() was given), not {factory!r}")
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
    if pack > 1:
        widened = (data_shape[0] * pack, *data_shape[1:])
        try:
            packed = factory(data_shape=widened, **options)
        except Exception as exc:
            raise AssertionError(f"train.pack = {pack} builds D for data of shape {widened} (features or channels times "
                                 f"{pack}); the factory refused it: {type(exc).__name__}: {exc}") from exc  # fmt: skip
        d = spectral_normalize(Packed(packed.discriminator, pack))
        scores = d(gan.generator(gan.latent(batch * pack, torch.Generator().manual_seed(0))).detach())
        assert scores.shape == (batch,), f"a packed D must give one score per pack, shape ({batch},), got {tuple(scores.shape)}"
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
    """when, the values it returns, and its verdict's format. ``dataset`` is the data it is tried
    on (an eval diagnostic needs one: it evaluates the dataset's own samples); ``run`` is what
    ``setup(run, dataset)`` receives, a :class:`ganlab.run.RunInfo` (default: one for the default
    config and this dataset, whose ``real(n, seed)`` draws from it)."""
    import torch

    assert diag.when in ("log", "eval"), "Diagnostic.when must be 'log' or 'eval'"
    if run is None and dataset is not None:
        run = info_for(dataset)
    if run is not None:
        diag.setup(run, dataset)
    if diag.when == "log":
        stats = {"loss_d": 1.3, "loss_g": 0.7, "d_real": 0.55, "d_fake": 0.45, "grad_norm_g": 0.5, "grad_norm_d": 0.4, "steps_per_second": 100.0}
        values = diag.observe(50, stats)
    else:
        samples = dataset.batch(getattr(diag, "samples", EVAL_SAMPLES), torch.Generator().manual_seed(0))
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


def info_for(dataset: Any, **overrides: Any) -> Any:
    """A :class:`ganlab.run.RunInfo` for trying a diagnostic on ``dataset`` outside a run."""
    import tempfile

    import torch

    import ganlab
    from ganlab.run import RunInfo

    cfg = ganlab.load_config(overrides=overrides)
    return RunInfo(
        config=cfg, dir=Path(tempfile.gettempdir()), start_step=0, total_steps=cfg.train.steps, device="cpu",
        data_kind=dataset.kind, loss_output="probability", data_shape=tuple(dataset.shape),
        real=lambda n, seed: dataset.batch(n, torch.Generator().manual_seed(seed)).float().cpu(),
    )  # fmt: skip


def check_training_step(arch: str = "mlp", loss: str = "nonsat", data: str = "ring8", **overrides: Any) -> dict[str, float]:
    """One real training step of the shared trainer on the CPU with registered components, by
    name (``overrides``: dotted config keys); returns its statistics (all finite)."""
    import tempfile

    import ganlab
    from ganlab.engine.build import build
    from ganlab.engine.trainer import Trainer
    from ganlab.manager import get_manager
    from ganlab.rundir import RunDir

    over = {"arch.name": arch, "loss.name": loss, "data.name": data, "train.batch_size": 16, "device": "cpu", **overrides}
    cfg = ganlab.load_config(overrides=over)
    with tempfile.TemporaryDirectory() as d:
        t = Trainer(build(cfg, diagnostics=False), RunDir(Path(d) / "run"), get_manager().hook)
        before = [p.detach().clone() for p in t.state.G.parameters()]
        stats, _ = t.read_stats(t.step_fn(0, want_stats=True))
    assert all(math.isfinite(v) for v in stats.values()), f"non-finite statistics after one step: {stats}"
    assert any(not b.equal(p) for b, p in zip(before, t.state.G.parameters())), "one step did not change G"
    return stats


def quick_run(
    out: str | Path,
    steps: int = 40,
    *,
    arch: str | None = None,
    loss: str | None = None,
    data: str | None = None,
    dataset: str | None = None,
    diagnostics: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A short run that prints nothing, into the run directory ``out`` itself; returns its summary.

    ``steps`` generator updates (default 40) of batch 32, logging every 10 steps and evaluating at
    the end; components by name, ``diagnostics`` (default: the data's auto set) and any dotted
    ``overrides`` ({"arch.width": 8}) as in a config."""
    import ganlab

    over: dict[str, Any] = {"train.steps": steps, "train.batch_size": 32, "log.every": 10, "log.eval_every": steps,
                            "log.progress": False, "log.quiet": True}  # fmt: skip
    for key, name in (("arch.name", arch), ("loss.name", loss), ("data.name", data or dataset), ("diagnostics", diagnostics)):
        if name is not None:
            over[key] = name
    over.update(overrides or {})
    return ganlab.train(ganlab.load_config(overrides=over), out=Path(out)).summary


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
