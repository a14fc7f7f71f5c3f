"""A non-editable `pip install .` into a fresh virtual environment works, built-ins included, and
installs plugins/ as ganlab.plugins (never a top-level package called `plugins`)."""

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    # ganlab's dependencies (torch etc.) come from this test's environment, appended to sys.path
    # after the fresh site-packages, so the fresh, non-editable ganlab is the one found.
    fresh_site = next((env_dir / "lib").glob("python*/site-packages"))
    (fresh_site / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    out = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)],
        capture_output=True, text=True, cwd=env_dir,
    )  # fmt: skip
    if out.returncode != 0:
        pytest.fail(f"pip install . failed:\n{out.stdout}\n{out.stderr}")
    return env_dir, fresh_site


def run(env_dir, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    return subprocess.run([str(env_dir / "bin" / "ganlab"), *args], capture_output=True, text=True, cwd=env_dir, env=env)


def test_installed_package_layout(fresh_env):
    env_dir, fresh_site = fresh_env
    assert (fresh_site / "ganlab" / "plugins" / "archs" / "mlp.py").is_file()
    assert (fresh_site / "ganlab" / "plugins" / "reporters" / "terminal.py").is_file()
    assert not (fresh_site / "plugins").exists()
    code = "import ganlab, ganlab.plugins.archs.mlp as m; print(ganlab.__file__)"
    out = subprocess.run([str(env_dir / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=env_dir)
    assert out.stdout.startswith(str(fresh_site)), out.stderr


def test_installed_cli_lists_builtins_and_trains(fresh_env):
    env_dir, _ = fresh_env
    listing = run(env_dir, "list", "--json")
    assert listing.returncode == 0, listing.stderr
    assert [c["name"] for c in json.loads(listing.stdout)["archs"]] == ["dcgan", "mlp"]
    assert listing.stderr == ""
    r = run(env_dir, "run", "--steps", "20", "--batch-size", "32", "--set", "log.every=10",
            "--set", "log.progress=false", "--out", "r")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads((env_dir / "r" / "summary.json").read_text())["status"] == "completed"
