"""Shared fixtures: an isolated plugin manager, a plugin registered for one test, fast configs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import ganlab
from ganlab import manager as manager_mod

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_manager(monkeypatch):
    """Each test starts from freshly loaded plugins, so registrations never leak between tests."""
    monkeypatch.delenv("GANLAB_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("GANLAB_TRACE_PLUGINS", raising=False)
    manager_mod.reset_manager()
    yield
    manager_mod.reset_manager()


@pytest.fixture
def register_plugin():
    """Register a plugin module/object for one test: ``register_plugin(module, "name")``."""
    added = []

    def register(plugin, name):
        m = manager_mod.get_manager()
        assert m.add_plugin(plugin, name), [str(p) for p in m.problems]
        added.append(name)
        return m

    yield register
    m = manager_mod.get_manager()
    for name in added:
        if name in m.plugins:
            m.remove_plugin(name)


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
