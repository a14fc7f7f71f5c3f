"""Every registered component through the contract of ganlab.testing (timm's test_models habit):
the very checks a plugin author runs on theirs. Architectures, losses and datasets also train one
step together on the CPU."""

import numpy as np
import pytest

import ganlab
import ganlab.testing as gt
from ganlab.manager import get_manager, reset_manager

reset_manager()
_m = get_manager()
ARCHS = [e.name for e in _m.registry("architecture")]
LOSSES = [e.name for e in _m.registry("loss")]
# torchvision datasets download: tested offline for their one-line error in test_images.py
NEEDS_DOWNLOAD = {"mnist", "fashion-mnist", "cifar10", "celeba"}
DATASETS = [e.name for e in _m.registry("dataset") if e.name not in NEEDS_DOWNLOAD]
DIAGNOSTICS = [e.name for e in _m.registry("diagnostic")]
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


@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("arch", ARCHS)
def test_one_training_step(arch, loss, data, tmp_path):
    over = {"train.steps": 1, **data_options(data, tmp_path)}
    if arch == "dcgan":
        over["arch.width"] = 8
    if arch == "dcgan" and KINDS[data] == "points":
        with pytest.raises(ganlab.GanlabError, match="dcgan needs image data"):
            gt.check_training_step(arch, loss, data, **over)
        return
    gt.check_training_step(arch, loss, data, **over)


@pytest.mark.parametrize("arch", ARCHS)
def test_architecture_contract(arch):
    factory = get_manager().registry("architecture").get(arch).load()
    gt.check_architecture(factory, data_shape=(1, 16, 16), width=8)
    if arch != "dcgan":
        gt.check_architecture(factory, data_shape=(2,))
    if arch == "mlp":  # PacGAN's networks: maxout D, BatchNorm G
        gt.check_architecture(factory, data_shape=(2,), d_maxout=5, batchnorm=True)


def test_check_architecture_asks_for_the_factory_not_its_name():
    with pytest.raises(TypeError, match=r"takes the factory function itself \(what register\(\) was given\), not 'mlp'"):
        gt.check_architecture("mlp")


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_contract(loss):
    gt.check_loss(get_manager().registry("loss").create(loss))


@pytest.mark.parametrize("data", DATASETS)
def test_dataset_contract(data, tmp_path):
    options = {k.split(".", 1)[1]: v for k, v in data_options(data, tmp_path).items()}
    gt.check_dataset(get_manager().registry("dataset").create(data, **options))


@pytest.mark.parametrize("name", DIAGNOSTICS)
def test_diagnostic_contract(name):
    cfg = ganlab.load_config(overrides={"arch.name": "dcgan", "data.name": "stacked-digits"}) if name in ("stacked-modes", "fid", "kid", "precision-recall") else ganlab.load_config()
    m = get_manager()
    dataset = m.registry("dataset").create(cfg.data.name, **cfg.data.options)

    class Run:
        config = cfg
        loss_output = "probability"

        @staticmethod
        def real(n, seed):
            import torch

            return dataset.batch(n, torch.Generator().manual_seed(seed))

    diag = m.registry("diagnostic").create(name, **({"samples": 500} if name == "stacked-modes" else {}))
    gt.check_diagnostic(diag, dataset, Run)
