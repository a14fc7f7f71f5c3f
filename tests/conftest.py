"""Shared fixtures: an isolated plugin manager, a plugin registered for one test, fast configs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):  # `make test` runs two workers on two cores: one thread each
    os.environ["OMP_NUM_THREADS"] = "1"  # and for the processes tests start
    import torch

    torch.set_num_threads(1)

import ganlab
from ganlab import manager as manager_mod

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fresh_env(tmp_path_factory):
    """A fresh virtual environment with a non-editable ``pip install .`` of ganlab and of the
    example plugin package. Their dependencies (torch...) come from this test's environment via a
    .pth file placed after the fresh site-packages, so the fresh installs are the ones found."""
    import site
    import subprocess
    import venv

    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    fresh_site = next((env_dir / "lib").glob("python*/site-packages"))
    (fresh_site / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    for package in (ROOT, ROOT / "examples" / "ganlab-example"):
        out = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(package)],
                             capture_output=True, text=True, cwd=env_dir)  # fmt: skip
        if out.returncode != 0:
            pytest.fail(f"pip install {package} failed:\n{out.stdout}\n{out.stderr}")
    return env_dir, fresh_site


@pytest.fixture(autouse=True)
def fresh_manager(monkeypatch):
    """Each test starts from freshly loaded plugins, so registrations never leak between tests."""
    monkeypatch.delenv("GANLAB_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("GANLAB_TRACE_PLUGINS", raising=False)
    manager_mod.reset_manager()
    yield
    manager_mod.reset_manager()


# ganlab_plugin(module, "name"): the fixture plugin authors use, registering for one test
from ganlab.testing import ganlab_plugin  # noqa: E402,F401


def quick(**overrides):
    """A tiny, fast config: small nets, few steps, no live display."""
    base = {
        "train.steps": 60,
        "train.batch_size": 64,
        "arch.width": 32,
        "arch.d_width": 32,
        "arch.depth": 2,
        "arch.d_depth": 2,
        "log.every": 10,
        "log.eval_every": 30,
        "log.checkpoint_every": 0,
        "log.progress": False,
    }
    base.update(overrides)
    return ganlab.load_config(overrides=base)


@pytest.fixture
def quick_config():
    return quick


def make_trainer(cfg, path, diagnostics=False):
    """A Trainer for ``cfg`` over the run directory ``path`` (not created until it fits)."""
    from ganlab.engine.build import build
    from ganlab.engine.trainer import Trainer
    from ganlab.manager import get_manager
    from ganlab.rundir import RunDir

    return Trainer(build(cfg, diagnostics=diagnostics), RunDir(path), get_manager().hook)
