"""Every registered architecture, loss and dataset through one contract (timm's test_models habit):
shapes, one training step on the CPU, finite losses."""

import math

import numpy as np
import pytest
import torch

import ganlab
from ganlab.manager import get_manager, reset_manager
from ganlab.rundir import RunDir
from ganlab.trainer import Trainer

reset_manager()
_m = get_manager()
ARCHS = [e.name for e in _m.registry("architecture")]
LOSSES = [e.name for e in _m.registry("loss")]
# torchvision datasets download: tested offline for their one-line error in test_images.py
NEEDS_DOWNLOAD = {"mnist", "fashion-mnist", "cifar10", "celeba"}
DATASETS = [e.name for e in _m.registry("dataset") if e.name not in NEEDS_DOWNLOAD]
KINDS = {e.name: getattr(e.load(), "kind", "points") for e in _m.registry("dataset")}
reset_manager()


def data_options(name, tmp_path):
    if name == "points":
        path = tmp_path / "pts.npy"
        np.save(path, np.random.default_rng(0).normal(size=(100, 3)).astype(np.float32))
        return {"data.path": str(path)}
    if name == "folder":
        from PIL import Image

        for i in range(3):
            Image.fromarray(np.full((20, 20, 3), 60 * i, dtype=np.uint8)).save(tmp_path / f"{i}.png")
        return {"data.root": str(tmp_path), "data.image_size": 16}
    return {}


def small_config(arch, loss, data, tmp_path):
    over = {"arch.name": arch, "loss.name": loss, "data.name": data, "train.batch_size": 16,
            "train.steps": 1, "log.progress": False, **data_options(data, tmp_path)}  # fmt: skip
    if arch == "dcgan":
        over["arch.width"] = 8
    return ganlab.load_config(overrides=over)


@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("arch", ARCHS)
def test_one_training_step(arch, loss, data, tmp_path):
    cfg = small_config(arch, loss, data, tmp_path)
    rd = RunDir(tmp_path / "run")
    rd.create()
    if arch == "dcgan" and KINDS[data] == "points":
        with pytest.raises(ganlab.GanlabError, match="dcgan needs image data"):
            Trainer(cfg, rd, get_manager())
        return
    t = Trainer(cfg, rd, get_manager())
    shape = tuple(t.dataset.shape)
    real = t.dataset.batch(16, t.rng)
    assert real.shape == (16, *shape) and torch.isfinite(real).all()
    z = t.gan.latent(16, t.rng)
    fake = t.G(z)
    assert fake.shape == (16, *shape)
    assert t.D(fake).shape == (16,)
    before = [p.detach().clone() for p in t.G.parameters()]
    stats = t.train_step(want_stats=True)
    values = t._read_stats(stats)
    assert all(math.isfinite(v) for v in values.values()), values
    assert any(not torch.equal(b, p) for b, p in zip(before, t.G.parameters())), "G did not move"


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_declares_what_d_outputs_mean(loss):
    instance = get_manager().registry("loss").create(loss)
    assert instance.output in ("probability", "critic")
