"""A non-editable `pip install .` into a fresh virtual environment works, built-ins included, and
installs plugins/ as ganlab.plugins (never a top-level package called `plugins`)."""

import json
import os
import subprocess
import pytest

pytestmark = pytest.mark.xdist_group("fresh-env")  # one virtual environment per test worker, not one per test file and worker


def run(env_dir, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    return subprocess.run([str(env_dir / "bin" / "ganlab"), *args], capture_output=True, text=True, cwd=env_dir, env=env)


def test_installed_package_layout(fresh_env):
    env_dir, fresh_site = fresh_env
    assert (fresh_site / "ganlab" / "plugins" / "archs" / "mlp.py").is_file()
    assert (fresh_site / "ganlab" / "plugins" / "reporters" / "terminal.py").is_file()
    assert not (fresh_site / "plugins").exists()
    assert (fresh_site / "ganlab" / "plugins" / "diagnostics" / "digits_classifier.pt").is_file()
    code = "import ganlab, ganlab.plugins.archs.mlp as m; print(ganlab.__file__)"
    out = subprocess.run([str(env_dir / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=env_dir)
    assert out.stdout.startswith(str(fresh_site)), out.stderr


def test_installed_cli_lists_builtins_and_trains(fresh_env):
    env_dir, _ = fresh_env
    listing = run(env_dir, "list", "--json")
    assert listing.returncode == 0, listing.stderr
    archs = {c["name"]: c["plugin"] for c in json.loads(listing.stdout)["archs"]}
    assert archs["dcgan"] == archs["mlp"] == "archs"
    assert listing.stderr == ""
    r = run(env_dir, "run", "--steps", "20", "--batch-size", "32", "--set", "log.every=10",
            "--set", "log.progress=false", "--out", "r")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads((env_dir / "r" / "summary.json").read_text())["status"] == "completed"
