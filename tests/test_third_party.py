"""The plugin author's path, end to end: ganlab and the example plugin package installed with pip
into a fresh environment, used through the CLI alone; then a broken plugin beside them."""

import json
import os
import subprocess
import textwrap

from tests.conftest import ROOT
import pytest

pytestmark = pytest.mark.xdist_group("fresh-env")  # one virtual environment per test worker, not one per test file and worker


def cli(env_dir, *args):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(env_dir / "bin" / "ganlab"), *args], capture_output=True, text=True, cwd=env_dir, env=env)


RUN = ["--steps", "60", "--batch-size", "64", "--set", "log.every=20", "--set", "log.eval_every=30", "--set", "log.progress=false"]


def check_everything_works(env_dir, tag):
    listing = json.loads(cli(env_dir, "list", "--json").stdout)
    owned = {(kind, c["name"]): c["plugin"] for kind, comps in listing.items() for c in comps}
    for kind, name in (("archs", "residual-mlp"), ("losses", "smooth-nonsat"), ("diagnostics", "spread"), ("datasets", "spiral")):
        assert owned[(kind, name)] == "example"
    plugins = {p["name"]: p for p in json.loads(cli(env_dir, "plugins", "--json").stdout)["plugins"]}
    assert (plugins["example"]["distribution"], plugins["example"]["version"]) == ("ganlab-example", "0.1.0")
    assert plugins["example"]["components"] == {"architecture": ["residual-mlp"], "loss": ["smooth-nonsat"],
                                                "diagnostic": ["spread"], "dataset": ["spiral"]}  # fmt: skip
    r = cli(env_dir, "run", "--arch", "residual-mlp", "--loss", "smooth-nonsat", "--dataset", "spiral",
            "--diag", "spread", "--diag", "equilibrium", *RUN, "--out", f"plugin-{tag}")  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    summary = json.loads((env_dir / f"plugin-{tag}" / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["metrics"]["spread/ratio"] > 0
    assert summary["verdicts"]["spread"]["reason"].startswith(("spread ratio", "samples spread"))
    r = cli(env_dir, "spiral", "--n", "50", "--out", f"spiral-{tag}.npy")
    assert r.stdout.strip() == f"wrote 50 spiral points to spiral-{tag}.npy"
    assert cli(env_dir, "run", "--dataset", "points", "--set", f"data.path=spiral-{tag}.npy", *RUN,
               "--out", f"builtin-{tag}").returncode == 0  # fmt: skip
    compared = json.loads(cli(env_dir, "compare", f"plugin-{tag}", f"builtin-{tag}", "--json").stdout)
    assert {g["config"]["arch.name"] for g in compared["groups"]} == {"residual-mlp", "mlp"}
    assert {g["config"]["loss.name"] for g in compared["groups"]} == {"smooth-nonsat", "nonsat"}


def test_third_party_package_through_the_cli(fresh_env):
    env_dir, _ = fresh_env
    check_everything_works(env_dir, "a")


def test_example_package_passes_its_own_tests(fresh_env):
    env_dir, _ = fresh_env
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        str(ROOT / "examples" / "ganlab-example" / "tests")],
                       capture_output=True, text=True, cwd=env_dir, env=env)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 passed" in r.stdout


def test_a_broken_plugin_beside_them_breaks_nothing(fresh_env):
    env_dir, fresh_site = fresh_env
    (fresh_site / "ganlab_broken.py").write_text("raise RuntimeError('this plugin is broken')\n")
    info = fresh_site / "ganlab_broken-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ganlab-broken\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""
        [ganlab]
        broken = ganlab_broken
    """))
    try:
        r = cli(env_dir, "list")
        assert r.returncode == 0
        assert r.stderr.strip() == "ganlab: warning: plugin 'broken': failed to import: RuntimeError: this plugin is broken"
        check_everything_works(env_dir, "b")
    finally:
        (fresh_site / "ganlab_broken.py").unlink()
        for f in info.iterdir():
            f.unlink()
        info.rmdir()
