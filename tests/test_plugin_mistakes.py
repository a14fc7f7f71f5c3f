"""A plugin author's usual mistakes, made on purpose in installed plugin packages: each gets one
line naming the plugin, and every other command and component keeps working beside it."""

import json

import pytest
from click.testing import CliRunner

from ganlab.cli import build
from tests.test_cli_run import FAST
from tests.test_plugins import make_dist, site  # noqa: F401  (the fixture)


def invoke(*args):
    return CliRunner().invoke(build(), list(args))


def warnings(result):
    return [line for line in result.stderr.splitlines() if line.startswith("ganlab: warning:")]


LOSS = """
    import torch.nn.functional as F
    import ganlab
    from ganlab.components import Loss

    class SoftplusHinge(Loss):
        '''A softplus hinge loss (from {dist}).'''
        output = "critic"
        def discriminator_loss(self, r, f):
            return F.softplus(1 - r).mean() + F.softplus(1 + f).mean()
        def generator_loss(self, f, r=None):
            return -f.mean()
"""


def test_a_lazy_string_that_does_not_resolve_breaks_only_itself(site, tmp_path):
    make_dist(site, "ganlab-lazy", "ganlab_lazy", LOSS.format(dist="lazy") + """
    def build():
        return SoftplusHinge()

    @ganlab.hookimpl
    def register_losses(register):
        register("lazy-hinge", "ganlab_lazy:bulid")
    """)
    expected = ("ganlab: warning: plugin 'ganlab-lazy': loss 'lazy-hinge': 'ganlab_lazy:bulid': module 'ganlab_lazy' "
                "defines no 'bulid'; did you mean ganlab_lazy:build?")  # fmt: skip
    for args in (["list"], ["plugins"], ["list", "--options", "--json"]):
        r = invoke(*args)
        assert r.exit_code == 0 and warnings(r) == [expected], r.stderr
    rows = {c["name"]: c for c in json.loads(invoke("list", "losses", "--options", "--json").stdout)}
    assert "problem" in rows["lazy-hinge"] and rows["hinge"]["options"] == {}
    r = invoke("run", *FAST, "--loss", "lazy-hinge", "--out", str(tmp_path / "r"))
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [expected,
        "Error: plugin 'ganlab-lazy': loss 'lazy-hinge' is registered as 'ganlab_lazy:bulid', which cannot be loaded "
        "(AttributeError: module 'ganlab_lazy' has no attribute 'bulid')"]  # fmt: skip
    assert invoke("run", *FAST, "--out", str(tmp_path / "ok")).exit_code == 0


def test_a_factory_that_raises_is_one_line_with_the_traceback_kept(site, tmp_path, monkeypatch):
    make_dist(site, "ganlab-boom", "ganlab_boom", """
        import ganlab
        from ganlab.plugins.archs.mlp import build

        def boom(*, data_shape, width: int = 8):
            '''An architecture that raises.'''
            raise RuntimeError("kaboom")

        @ganlab.hookimpl
        def register_architectures(register):
            register("boom", boom)
    """)
    out = tmp_path / "r"
    r = invoke("run", "--arch", "boom", "--steps", "10", "--out", str(out))
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [
        f"Error: architecture 'boom' (plugin 'ganlab-boom') raised RuntimeError: kaboom (traceback in {out / 'error.log'})"]
    assert "RuntimeError: kaboom" in (out / "error.log").read_text() and not (out / "config.toml").exists()
    assert invoke("run", *FAST, "--out", str(out)).exit_code == 0  # not a dead end: the directory holds no run
    r = invoke("inspect", "--arch", "boom")
    assert r.stderr.strip().splitlines() == [
        "Error: architecture 'boom' (plugin 'ganlab-boom') raised RuntimeError: kaboom (GANLAB_TRACE_PLUGINS=1 prints the traceback)"]
    monkeypatch.setenv("GANLAB_TRACE_PLUGINS", "1")
    assert "Traceback (most recent call last)" in invoke("inspect", "--arch", "boom").stderr


def test_a_discriminator_that_ignores_data_shape_is_refused_under_packing_in_one_line(site, tmp_path):
    make_dist(site, "ganlab-fixed", "ganlab_fixed", """
        import torch.nn as nn
        import ganlab
        from ganlab.components import GAN

        def fixed(*, data_shape, scores: int = 1):
            '''D built for 2 features whatever data_shape says.'''
            G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
            D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, scores))
            return GAN(G, D if scores > 1 else nn.Sequential(D, nn.Flatten(0)), 4)

        @ganlab.hookimpl
        def register_architectures(register):
            register("fixed", fixed)
    """)
    args = ["run", "--arch", "fixed", "--steps", "10", "--batch-size", "64"]
    out = tmp_path / "r"
    r = invoke(*args, "--set", "train.pack=2", "--out", str(out))
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [
        "Error: architecture 'fixed' (plugin 'ganlab-fixed'): its discriminator fails on G's samples of shape (4, 2) "
        "packed by train.pack = 2 into (2, 4) (ganlab builds this D by calling the factory with data_shape=(4,); "
        "build D for the data_shape it is given): RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x4 and "
        f"2x8) (traceback in {out / 'error.log'})"]  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["error.log"]  # nothing else: the directory holds no run
    r = invoke(*args, "--set", "arch.scores=3", "--out", str(out))
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [
        "Error: architecture 'fixed' (plugin 'ganlab-fixed'): its discriminator gives shape (2, 3) for G's samples of "
        "shape (2, 2); it must give one raw score per sample, shape (2,)"]  # fmt: skip
    assert invoke(*args, "--out", str(out)).exit_code == 0  # unpacked, the same plugin trains


def test_two_plugins_registering_one_name_load_in_a_fixed_order_and_both_stay_usable(site, tmp_path):
    for dist in ("ganlab-bbb", "ganlab-aaa"):  # installed in this order; loaded by distribution name
        module = dist.replace("-", "_")
        make_dist(site, dist, module, LOSS.format(dist=dist) + """
    @ganlab.hookimpl
    def register_losses(register):
        register("softplus-hinge", SoftplusHinge)
    """)
    r = invoke("list", "losses", "--json")
    assert warnings(r) == [
        "ganlab: warning: plugin 'ganlab-bbb': loss 'softplus-hinge' is also registered by plugin 'ganlab-aaa', which "
        "keeps the name (it loaded first); use 'ganlab-bbb:softplus-hinge' for this one, or disable a plugin with "
        "GANLAB_DISABLE_PLUGINS"]  # fmt: skip
    names = {c["name"]: c["description"] for c in json.loads(r.stdout)}
    assert names["softplus-hinge"] == "A softplus hinge loss (from ganlab-aaa)."
    assert names["ganlab-bbb:softplus-hinge"] == "A softplus hinge loss (from ganlab-bbb)."
    out = tmp_path / "b"
    assert invoke("run", *FAST, "--steps", "20", "--loss", "ganlab-bbb:softplus-hinge", "--out", str(out)).exit_code == 0
    assert 'name = "ganlab-bbb:softplus-hinge"' in (out / "config.toml").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["components"]["loss"] == {"name": "ganlab-bbb:softplus-hinge", "plugin": "ganlab-bbb",
                                             "distribution": "ganlab-bbb", "version": "1.2.3"}  # fmt: skip
    assert invoke("resume", str(out), "--steps", "40").exit_code == 0


def test_a_clashing_alias_drops_only_the_alias(site):
    make_dist(site, "ganlab-alias", "ganlab_alias", LOSS.format(dist="alias") + """
    @ganlab.hookimpl
    def register_losses(register):
        register("my-loss", SoftplusHinge, aliases=("hinge", "mine"))
    """)
    r = invoke("list", "losses", "--json")
    assert warnings(r) == ["ganlab: warning: plugin 'ganlab-alias': loss 'my-loss': alias 'hinge' is taken by plugin "
                           "'losses''s 'hinge'; dropped the alias, kept 'my-loss'"]  # fmt: skip
    rows = {c["name"]: c for c in json.loads(r.stdout)}
    assert rows["my-loss"]["aliases"] == ["mine"] and rows["hinge"]["plugin"] == "losses"


def test_hook_functions_without_the_marker_are_warned_about(site):
    make_dist(site, "ganlab-unmarked", "ganlab_unmarked", LOSS.format(dist="x") + """
    def register_losses(register):
        register("never", SoftplusHinge)
    """)
    assert warnings(invoke("list")) == ["ganlab: warning: plugin 'ganlab-unmarked': defines register_losses() without "
                                        "@ganlab.hookimpl, so ganlab never calls it; mark it with @ganlab.hookimpl"]  # fmt: skip


def test_a_misnamed_hook_argument_is_one_line(site):
    make_dist(site, "ganlab-argname", "ganlab_argname", LOSS.format(dist="x") + """
    @ganlab.hookimpl
    def register_losses(reg):
        reg("never", SoftplusHinge)
    """)
    assert warnings(invoke("list")) == ["ganlab: warning: plugin 'ganlab-argname': register_losses(reg) takes 'reg', which "
                                        "the hook does not pass; call it 'register' (the hook is register_losses(register)); "
                                        "plugin skipped"]  # fmt: skip


def test_a_dataset_whose_batches_do_not_have_its_shape_is_refused_before_training(site, tmp_path):
    make_dist(site, "ganlab-shape", "ganlab_shape", """
        import torch
        import ganlab
        from ganlab.components import Dataset

        class Wrong(Dataset):
            '''Declares 2-D points, draws 3-D ones.'''
            shape = (2,)
            def batch(self, n, generator):
                return torch.randn(n, 3, generator=generator)

        @ganlab.hookimpl
        def register_datasets(register):
            register("wrong", Wrong)
    """)
    out = tmp_path / "r"
    r = invoke("run", *FAST, "--dataset", "wrong", "--out", str(out))
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [
        "Error: dataset 'wrong' (plugin 'ganlab-shape') declares samples of shape (2,) but its batch(n) gave (2, 3); "
        "they must be (n, *shape)"]  # fmt: skip
    assert not out.exists()


def test_a_dataset_of_integers_is_refused_before_training(site, tmp_path):
    make_dist(site, "ganlab-ints", "ganlab_ints", """
        import torch
        import ganlab
        from ganlab.components import Dataset

        class Ints(Dataset):
            '''2-D points drawn as integers.'''
            shape = (2,)
            def batch(self, n, generator):
                return torch.randint(0, 5, (n, 2), generator=generator)

        @ganlab.hookimpl
        def register_datasets(register):
            register("ints", Ints)
    """)
    out = tmp_path / "r"
    r = invoke("run", *FAST, "--dataset", "ints", "--out", str(out))
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [
        "Error: dataset 'ints' (plugin 'ganlab-ints'): its batch(n) gives torch.int64 tensors; it must give "
        "floating-point tensors (n, *shape)"]  # fmt: skip
    assert not out.exists()


def test_a_discriminator_whose_scores_carry_no_gradient_is_refused_before_training(site, tmp_path):
    make_dist(site, "ganlab-det", "ganlab_det", """
        import torch.nn as nn
        import ganlab
        from ganlab.components import GAN
        from ganlab.plugins.archs.mlp import build as mlp

        class Detached(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.d = d
            def forward(self, x):
                return self.d(x).detach()

        def build(*, data_shape):
            '''The mlp, with D's scores detached.'''
            gan = mlp(data_shape=data_shape)
            return GAN(gan.generator, Detached(gan.discriminator), gan.latent_dim)

        @ganlab.hookimpl
        def register_architectures(register):
            register("detached-d", build)
    """)
    r = invoke("run", "--steps", "10", "--batch-size", "64", "--arch", "detached-d", "--out", str(tmp_path / "r"))
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [
        "Error: architecture 'detached-d' (plugin 'ganlab-det'): its discriminator's scores carry no gradient to its "
        "weights (detached in forward, or every parameter frozen?); D must be trainable"]  # fmt: skip


def test_a_loss_that_trains_nothing_or_raises_is_refused_before_training_in_one_line(site, tmp_path):
    make_dist(site, "ganlab-badloss", "ganlab_badloss", """
        import ganlab
        from ganlab.components import Loss

        class Detached(Loss):
            '''Its D objective carries no gradient.'''
            def discriminator_loss(self, r, f):
                return (r - f).mean().detach()
            def generator_loss(self, f, r=None):
                return -f.mean()

        class PerSample(Detached):
            '''Its G objective is one value per sample.'''
            def discriminator_loss(self, r, f):
                return (f - r).mean()
            def generator_loss(self, f, r=None):
                return -f

        class Raises(PerSample):
            '''Its G objective raises.'''
            def generator_loss(self, f, r=None):
                raise KeyError("fake")

        @ganlab.hookimpl
        def register_losses(register):
            register("detached", Detached)
            register("per-sample", PerSample)
            register("raises", Raises)
    """)
    out = tmp_path / "r"
    expected = {
        "detached": "Error: loss 'detached' (plugin 'ganlab-badloss'): discriminator_loss(real_out, fake_out) gave a tensor "
                    "that does not depend on D's scores (detached, or built from .item()?); it must be computed from them with torch operations",
        "per-sample": "Error: loss 'per-sample' (plugin 'ganlab-badloss'): generator_loss(fake_out, real_out) gave a tensor of "
                      "shape (2,) for a batch of 2; it must give a scalar tensor to minimise",
        "raises": "Error: loss 'raises' (plugin 'ganlab-badloss'): generator_loss(fake_out, real_out) raised KeyError: 'fake' "
                  f"(traceback in {out / 'error.log'})",
    }  # fmt: skip
    for name, line in expected.items():
        for extra in ([], ["--set", "train.unroll=2"]):
            r = invoke("run", *FAST, "--loss", name, *extra, "--out", str(out))
            assert r.exit_code == 1 and r.stderr.strip().splitlines() == [line], r.stderr
            assert not out.exists() or sorted(p.name for p in out.iterdir()) == ["error.log"]  # no run begun


def test_a_component_raising_mid_run_is_named_in_the_runs_one_line(site, tmp_path):
    make_dist(site, "ganlab-later", "ganlab_later", """
        import ganlab
        from ganlab.plugins.datasets.mixtures import Ring
        from ganlab.plugins.losses.classic import NonSaturating

        class Tired(NonSaturating):
            '''Raises after its first 40 calls.'''
            calls = 0
            def discriminator_loss(self, r, f):
                Tired.calls += 1
                if Tired.calls > 40:
                    raise ValueError("tired of judging")
                return super().discriminator_loss(r, f)

        class Dry(Ring):
            '''Runs out of data after 30 batches.'''
            draws = 0
            def batch(self, n, generator):
                Dry.draws += 1
                if Dry.draws > 30:
                    raise OSError("no more data")
                return super().batch(n, generator)

        @ganlab.hookimpl
        def register_losses(register):
            register("tired", Tired)

        @ganlab.hookimpl
        def register_datasets(register):
            register("dry", Dry)
    """)
    for args, owner, error in ((["--loss", "tired"], "loss 'tired' (plugin 'ganlab-later')", "ValueError: tired of judging"),
                               (["--dataset", "dry"], "dataset 'dry' (plugin 'ganlab-later')", "OSError: no more data")):  # fmt: skip
        out = tmp_path / args[1]
        r = invoke("run", *FAST, *args, "--out", str(out))
        summary = json.loads((out / "summary.json").read_text())
        assert r.exit_code == 1 and summary["status"] == "failed" and summary["error"] == f"{owner} raised {error}", r.stderr
        assert r.stderr.strip().splitlines()[-1] == (f"Error: run failed at step {summary['step']}: {owner} raised {error} "
                                                     f"(traceback in {out / 'error.log'})")  # fmt: skip
        assert error in (out / "error.log").read_text()


def test_a_diagnostic_breaking_its_contract_is_caught_at_run_time(site, tmp_path):
    make_dist(site, "ganlab-diag", "ganlab_diag", """
        import ganlab
        from ganlab.components import Diagnostic

        class Warner(Diagnostic):
            '''Says "warn", which is not a level.'''
            def verdict(self):
                return ("warn", "close to trouble")

        class Promiser(Diagnostic):
            '''Promises a value it never returns.'''
            when = "eval"
            better = {"sharpness": "higher"}
            def evaluate(self, step, samples, dataset):
                return {"blur": 0.5}

        @ganlab.hookimpl
        def register_diagnostics(register):
            register("warner", Warner)
            register("promiser", Promiser)
    """)
    out = tmp_path / "w"
    r = invoke("run", *FAST, "--diag", "warner", "--out", str(out))
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [(
        f"Error: run failed at step 10: diagnostic 'warner' (plugin 'ganlab-diag') gave verdict level 'warn'; levels are "
        f"ok, warning, failure (traceback in {out / 'error.log'})")]  # fmt: skip
    out = tmp_path / "p"
    assert invoke("run", *FAST, "--diag", "promiser", "--out", str(out)).exit_code == 0
    assert json.loads((out / "summary.json").read_text())["problems"] == [
        "diagnostic 'promiser' (plugin 'ganlab-diag') declares better['sharpness'] but never returned 'sharpness'"]


def test_a_third_party_architecture_gets_what_the_built_ins_get(site, tmp_path):
    make_dist(site, "ganlab-tiny", "ganlab_tiny", """
        from torch import nn
        import ganlab
        from ganlab.components import GAN

        def build(*, data_shape, width: int = 32):
            '''A small convolutional GAN with no spectral_norm option of its own.'''
            c = data_shape[0]
            g = nn.Sequential(nn.Linear(8, c * 16 * 16), nn.Tanh(), nn.Unflatten(1, (c, 16, 16)))
            d = nn.Sequential(nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(width * 64, 1), nn.Flatten(0))
            return GAN(g, d, 8)

        build.recommended = {"data.name": "digits", "data.image_size": 16, "train.steps": 20}

        @ganlab.hookimpl
        def register_architectures(register):
            register("tinyconv", build)
    """)
    out = tmp_path / "r"
    r = invoke("run", "--arch", "tinyconv", "--set", "arch.spectral_norm=true", "--set", "train.pack=2", "--set", "log.progress=false",
               "--set", "diag.kid.subset_size=100", "--out", str(out))  # fmt: skip
    assert r.exit_code == 0, r.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["dataset"] == "digits" and summary["step"] == 20 and "fid/fid" in summary["metrics"]  # its recommended data
    info = json.loads(invoke("inspect", "--arch", "tinyconv", "--set", "arch.spectral_norm=true", "--json").stdout)
    conv = info["discriminator"]["layers"][0]
    assert conv["parameters"] == 32 * 16 + 32 and conv["layer"].startswith("Conv2d(") and "SpectralNorm" in conv["layer"]


def test_inspect_shows_spectrally_normalised_layers_as_their_layer():
    info = json.loads(invoke("inspect", "--arch", "dcgan", "--image-size", "32", "--set", "arch.spectral_norm=true", "--json").stdout)
    rows = info["discriminator"]["layers"]
    assert not any(r["layer"].startswith("_SpectralNorm") for r in rows)
    assert sum(r["parameters"] for r in rows) == info["discriminator"]["parameters"]  # every weight in a row
    convs = [r for r in rows if r["layer"].startswith("Conv2d(")]
    assert len(convs) == 4 and all("SpectralNorm" in r["layer"] and r["parameters"] > 0 for r in convs)


def test_compare_shows_where_two_versions_of_a_plugin_differ(tmp_path):
    from tests.test_compare import make_run

    root = tmp_path / "runs"
    for i, version in enumerate(("0.1.0", "0.1.0", "0.2.0")):
        run = make_run(root, f"r{i}", seed=i)
        summary = json.loads((run / "summary.json").read_text())
        summary["components"] = {"loss": {"name": "nonsat", "plugin": "mine", "distribution": "ganlab-mine", "version": version}}
        (run / "summary.json").write_text(json.dumps(summary))
    data = json.loads(invoke("compare", str(root), "--json").stdout)
    assert "from.loss" in data["varying"]
    assert sorted((g["config"]["from.loss"], len(g["runs"])) for g in data["groups"]) == [("ganlab-mine 0.1.0", 2), ("ganlab-mine 0.2.0", 1)]


def test_quick_run_honours_what_it_is_given_and_prints_nothing(tmp_path, capsys):
    import ganlab.testing as gt

    summary = gt.quick_run(tmp_path / "run", steps=20, diagnostics=["divergence"], overrides={"arch.width": 8})
    assert capsys.readouterr().out == ""
    assert summary["step"] == 20 and list(summary["verdicts"]) == ["divergence"]
    assert "width = 8" in (tmp_path / "run" / "config.toml").read_text()


@pytest.mark.parametrize("level", ["warn", "fatal"])
def test_check_diagnostic_names_the_levels(level):
    import ganlab.testing as gt
    from ganlab.components import Diagnostic
    from ganlab.plugins.datasets.mixtures import Ring

    class Bad(Diagnostic):
        def verdict(self):
            return (level, "x")

    with pytest.raises(AssertionError, match="verdict level must be one of"):
        gt.check_diagnostic(Bad(), Ring())
