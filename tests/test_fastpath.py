"""The GPU fast path's switches, exercised on the CPU: what "auto" decides, and that each part,
forced on, trains (bf16 autocast, channels_last, fused/foreach Adam)."""

import math
import tempfile
from pathlib import Path

import pytest
import torch

import ganlab
from ganlab.config import PerfConfig
from ganlab.errors import GanlabError
from ganlab.engine.fastpath import FastPath
from ganlab.rundir import RunDir

POINTS = {"train.batch_size": 64, "arch.width": 32, "arch.d_width": 32, "log.progress": False}
IMAGES = {"arch.name": "dcgan", "arch.width": 8, "train.batch_size": 16, "data.name": "digits",
          "data.image_size": 16, "log.progress": False}  # fmt: skip


def trainer(overrides, tmp):
    from tests.conftest import make_trainer

    return make_trainer(ganlab.load_config(overrides=overrides), Path(tmp) / "r")


def test_auto_is_plain_fp32_on_the_cpu():
    fp = FastPath.resolve(PerfConfig(), torch.device("cpu"), image_data=True)
    assert fp.describe() == {"amp": "off", "channels_last": False, "optimizer_impl": "default", "compile": "off"}


def test_auto_turns_on_what_helps_on_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    fp = FastPath.resolve(PerfConfig(), torch.device("cuda"), image_data=True)
    assert fp.describe() == {"amp": "bf16", "channels_last": True, "optimizer_impl": "fused", "compile": "off"}
    assert fp.optimizer_options("adam") == {"fused": True}
    points = FastPath.resolve(PerfConfig(amp="off"), torch.device("cuda"), image_data=False)
    assert not points.amp and not points.channels_last  # NHWC is for images only


def test_bf16_autocast_runs_the_forwards_in_bfloat16(tmp_path):
    t = trainer({**POINTS, "perf.amp": "bf16"}, tmp_path)
    with t.fast.autocast():
        assert t.state.G(torch.randn(4, t.parts.gan.latent_dim)).dtype == torch.bfloat16
    stats, _ = t.read_stats(t.step_fn(0, want_stats=True))
    assert all(math.isfinite(v) for v in stats.values())
    assert all(p.dtype == torch.float32 for p in t.state.G.parameters())  # master weights stay fp32


def test_channels_last_lays_out_image_models_and_batches(tmp_path):
    t = trainer({**IMAGES, "perf.channels_last": "on"}, tmp_path)
    conv = next(p for p in t.state.D.parameters() if p.dim() == 4)
    assert conv.is_contiguous(memory_format=torch.channels_last)
    real, _ = t.step_fn.batches(16)
    assert real.is_contiguous(memory_format=torch.channels_last)
    stats, _ = t.read_stats(t.step_fn(0, want_stats=True))
    assert all(math.isfinite(v) for v in stats.values())


@pytest.mark.parametrize("impl, flag", [("fused", "fused"), ("foreach", "foreach"), ("for-loop", "foreach")])
def test_optimizer_implementations(tmp_path, impl, flag):
    t = trainer({**POINTS, "perf.optimizer_impl": impl}, tmp_path)
    assert t.state.opt_g.defaults[flag] == (impl != "for-loop")
    t.step_fn(0)
    assert all(torch.isfinite(p).all() for p in t.state.G.parameters())


def test_a_bf16_run_records_its_fast_path(tmp_path):
    cfg = ganlab.load_config(overrides={**POINTS, "train.steps": 30, "perf.amp": "bf16"})
    summary = ganlab.train(cfg, out=tmp_path / "r").summary
    assert summary["status"] == "completed"
    assert summary["fast_path"]["amp"] == "bf16"
    assert 'amp = "bf16"' in (tmp_path / "r" / "config.toml").read_text()


@pytest.mark.parametrize("key, value", [("amp", "fp8"), ("channels_last", "yes"), ("compile", "fast"), ("optimizer_impl", "apex")])
def test_unknown_fast_path_values_name_the_choices(key, value):
    with pytest.raises(GanlabError, match=rf"'perf.{key}' must be one of .*got '{value}'"):
        ganlab.load_config(overrides={f"perf.{key}": value})


def test_compiled_training_matches_eager_training(tmp_path):
    """perf.compile on the CPU (inductor): the same weights as eager, up to float rounding."""
    base = {**POINTS, "train.steps": 20, "diagnostics": ["divergence"]}
    eager = ganlab.train(ganlab.load_config(overrides=base), out=tmp_path / "eager")
    compiled = ganlab.train(ganlab.load_config(overrides={**base, "perf.compile": "default"}), out=tmp_path / "compiled")
    assert compiled.summary["fast_path"]["compile"] == "default"
    a, b = (torch.load(r.dir / "checkpoints" / "last.pt", weights_only=True) for r in (eager, compiled))
    for part in ("generator", "discriminator"):
        for name in a[part]:
            torch.testing.assert_close(a[part][name], b[part][name], atol=1e-5, rtol=1e-4)
