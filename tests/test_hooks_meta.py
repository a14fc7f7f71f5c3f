"""Meta-tests that keep the plugin surface honest (datasette's habit): every hook is documented
with its exact signature, and ganlab really calls every hook."""

import inspect
from pathlib import Path

import pytest
from click.testing import CliRunner

import ganlab
from ganlab import hookspecs
from tests.conftest import quick

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text()
HOOKS = sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "ganlab_spec"))

def signature(name):
    fn = getattr(hookspecs, name)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in inspect.signature(fn).parameters.values())
    return f"{name}({params}) -> {inspect.signature(fn).return_annotation}"


def test_ganlab_calls_every_hook(tmp_path, ganlab_plugin):
    """A plugin implementing every hook receives a call of each: at registration, when the CLI is
    built, and during a run. A new hook fails here until ganlab calls it."""
    from ganlab.cli import build
    from tests.plugins import everything

    everything.calls.clear()
    ganlab_plugin(everything, "everything")
    build()
    ganlab.train(quick(**{"log.checkpoint_every": 20}), out=tmp_path / "r")
    assert sorted(set(everything.calls)) == HOOKS


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_documented_with_its_exact_signature(name):
    assert f"`{signature(name)}`" in DOCS


@pytest.mark.parametrize("name", HOOKS)
def test_hook_has_types_and_a_docstring(name):
    fn = getattr(hookspecs, name)
    assert inspect.getdoc(fn)
    sig = inspect.signature(fn)
    assert all(p.annotation is not p.empty for p in sig.parameters.values())


def test_hookimpl_is_reexported():
    assert ganlab.hookimpl is hookspecs.hookimpl


def test_registration_hooks_add_components(ganlab_plugin):
    from ganlab.cli import build
    from tests.plugins import components

    m = ganlab_plugin(components, "test-components")
    assert m.plugins["test-components"].components == {
        "architecture": ["tiny"], "loss": ["blowup"], "diagnostic": ["counter"], "dataset": ["line"],
        "regularizer": ["weight-decay"], "extractor": ["flat-pixels"],
    }  # fmt: skip
    assert m.registry("dataset").get("line").description == "Points on the segment y = 0, x in [-1, 1]."
    assert CliRunner().invoke(build(), ["hello"]).output == "hello from a plugin\n"
    # and the components work in a run, the diagnostic's values reaching the summary
    cfg = ganlab.load_config(overrides={"arch.name": "tiny", "data.name": "line", "diagnostics": ["counter"], "reg.name": "weight-decay",
                                        "train.steps": 40, "log.every": 10, "log.progress": False})  # fmt: skip
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        summary = ganlab.train(cfg, out=Path(d) / "r").summary
    assert summary["metrics"]["counter/count"] == 4.0
    assert summary["verdicts"]["counter"] == {"level": "ok", "reason": "4 logging points"}


def test_lifecycle_hooks_fire_in_order(tmp_path, ganlab_plugin):
    from tests.plugins import recorder

    recorder.calls.clear()
    ganlab_plugin(recorder, "recorder")
    cfg = quick(**{"log.checkpoint_every": 20})
    ganlab.train(cfg, out=tmp_path / "r")
    names = [c[0] for c in recorder.calls]
    assert recorder.calls[0] == ("on_run_start", 0, 60, False)
    assert recorder.calls[-1] == ("on_run_end", "completed", 60)
    assert [c[1] for c in recorder.calls if c[0] == "on_log"] == [10, 20, 30, 40, 50, 60]
    assert [c[1] for c in recorder.calls if c[0] == "on_evaluate"] == [30, 60]
    assert [c[1] for c in recorder.calls if c[0] == "on_checkpoint"] == [20, 40, 60, 60]
    assert names.index("on_evaluate") > names.index("on_log")
    log = next(c[2] for c in recorder.calls if c[0] == "on_log")
    assert {"loss_d", "loss_g", "d_real", "d_fake", "grad_norm_g", "grad_norm_d", "steps_per_second"} <= set(log)
    ev = next(c[2] for c in recorder.calls if c[0] == "on_evaluate")
    assert ev["mode-coverage/samples"] == 2500 and ev["mode-coverage/verdict"] in ("ok", "warning", "failure")
    ck = next(c[2] for c in recorder.calls if c[0] == "on_checkpoint")
    assert Path(ck).is_file()
