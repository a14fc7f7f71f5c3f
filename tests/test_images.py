"""DCGAN exactly as the seed describes it, image datasets, and sample pictures."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import ganlab
from ganlab.cli import build
from ganlab.errors import GanlabError
from ganlab.plugins.archs.dcgan import build as dcgan
from ganlab.plugins.datasets.folder import Folder
from ganlab.plugins.datasets.images import Digits, StackedDigits


def invoke(*args):
    return CliRunner().invoke(build(), list(args), catch_exceptions=False)


def test_dcgan_64x64x3_is_the_seeds_network():
    gan = dcgan(data_shape=(3, 64, 64))
    g, d = gan.generator, gan.discriminator
    assert sum(p.numel() for p in g.parameters()) == 3_576_704
    assert sum(p.numel() for p in d.parameters()) == 2_765_568
    convs_g = [m for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    convs_d = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(m.in_channels, m.out_channels) for m in convs_g] == [(100, 512), (512, 256), (256, 128), (128, 64), (64, 3)]
    assert [(m.in_channels, m.out_channels) for m in convs_d] == [(3, 64), (64, 128), (128, 256), (256, 512), (512, 1)]
    assert all(m.kernel_size == (4, 4) and m.bias is None for m in convs_g + convs_d)
    kinds_g = [type(m).__name__ for m in g.net]
    assert kinds_g == ["ConvTranspose2d", "BatchNorm2d", "ReLU"] * 4 + ["ConvTranspose2d", "Tanh"]
    kinds_d = [type(m).__name__ for m in d.net]
    assert kinds_d == ["Conv2d", "LeakyReLU"] + ["Conv2d", "BatchNorm2d", "LeakyReLU"] * 3 + ["Conv2d"]
    assert all(m.negative_slope == 0.2 for m in d.net if isinstance(m, torch.nn.LeakyReLU))


def test_dcgan_initialisation_follows_the_paper():
    torch.manual_seed(0)
    gan = dcgan(data_shape=(3, 64, 64))
    w = torch.cat([m.weight.flatten() for m in gan.generator.modules() if isinstance(m, torch.nn.ConvTranspose2d)])
    assert w.mean().item() == pytest.approx(0, abs=1e-3) and w.std().item() == pytest.approx(0.02, rel=0.02)
    bn = [m for m in gan.discriminator.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    gamma = torch.cat([m.weight for m in bn])
    assert gamma.mean().item() == pytest.approx(1, abs=0.01) and gamma.std().item() == pytest.approx(0.02, rel=0.2)
    assert all(torch.count_nonzero(m.bias) == 0 for m in bn)


@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes_at_every_size(size, channels):
    gan = dcgan(data_shape=(channels, size, size), width=8, latent_dim=10)
    x = gan.generator(gan.latent(4))
    assert x.shape == (4, channels, size, size) and x.abs().max() <= 1
    assert gan.discriminator(x).shape == (4,)


@pytest.mark.parametrize(
    "shape, msg",
    [((2,), "dcgan needs image data (C, H, W), got points of shape (2,); use --arch mlp"),
     ((3, 28, 28), "dcgan supports square images of 16, 32, 64 px, got 28x28"),
     ((0, 32, 32), "dcgan needs at least one channel, got 0")],
)  # fmt: skip
def test_dcgan_rejects_unsupported_shapes(shape, msg):
    with pytest.raises(GanlabError) as e:
        dcgan(data_shape=shape)
    assert msg in str(e.value)


def test_digits_dataset():
    ds = Digits()
    assert len(ds) == 1797 and ds.shape == (1, 32, 32)
    assert ds.images.min() >= -1 and ds.images.max() <= 1
    assert ds.images.min() == -1  # background is black
    assert Digits(image_size=16, channels=3).shape == (3, 16, 16)
    with pytest.raises(GanlabError, match="data.image_size must be one of 8, 16, 32, 64, got 28"):
        Digits(image_size=28)


def test_stacked_digits_channels_are_independent_digits():
    ds = StackedDigits(image_size=16)
    x = ds.batch(500, torch.Generator().manual_seed(0))
    assert x.shape == (500, 3, 16, 16)
    # every channel is some digit of the dataset, and the channels differ
    flat = ds.digits.flatten(1)
    for c in range(3):
        d = torch.cdist(x[:, c].flatten(1), flat).min(dim=1).values
        assert d.max() < 1e-4
    assert not torch.equal(x[:, 0], x[:, 1])


def make_images(root, n=5, size=(40, 30)):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        arr = np.full((size[1], size[0], 3), i * 40, dtype=np.uint8)
        Image.fromarray(arr).save(root / (f"img{i}.png" if i % 2 else f"img{i}.jpg"))
    (root / "deep").mkdir(exist_ok=True)
    Image.fromarray(np.zeros((10, 10), dtype=np.uint8)).save(root / "deep" / "x.jpeg")


def test_folder_dataset_recursive_with_unreadable_files(tmp_path):
    make_images(tmp_path / "imgs")
    (tmp_path / "imgs" / "broken.png").write_bytes(b"not a png")
    ds = Folder(root=str(tmp_path / "imgs"), image_size=16)
    assert ds.shape == (3, 16, 16) and len(ds) == 6
    assert ds.notes == [f"folder: 6 images from {tmp_path / 'imgs'}; skipped 1 unreadable files"]
    assert ds.images.min() >= -1 and ds.images.max() <= 1


def test_folder_dataset_streams_when_too_big_for_memory(tmp_path):
    make_images(tmp_path / "imgs")
    ds = Folder(root=str(tmp_path / "imgs"), image_size=16, max_memory_mb=0, workers=0)
    assert "streaming 6 images" in ds.notes[0]
    x = ds.batch(4, torch.Generator().manual_seed(0))
    assert x.shape == (4, 3, 16, 16)


@pytest.mark.parametrize(
    "sets, msg",
    [(["data.root=/no/such/dir"], "data.root '/no/such/dir' is not a directory"),
     ([], "dataset 'folder' needs a directory: --set data.root=DIR")],
)  # fmt: skip
def test_folder_bad_roots(sets, msg):
    result = invoke("run", "--arch", "dcgan", "--dataset", "folder", *sum((["--set", s] for s in sets), []))
    assert result.exit_code == 1 and msg in result.output and len(result.output.strip().splitlines()) == 1


def test_empty_folder(tmp_path):
    with pytest.raises(GanlabError, match="holds no .png/.jpg/.jpeg images"):
        Folder(root=str(tmp_path))


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "cifar10", "celeba"])
def test_download_datasets_fail_in_one_line_offline(name, tmp_path):
    result = invoke("run", "--arch", "dcgan", "--dataset", name, "--set", f"data.root={tmp_path}", "--out", str(tmp_path / "r"))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "pip install 'ganlab[vision]'" in lines[0] or "--set data.root=DIR" in lines[0]
    assert not (tmp_path / "r").exists()


def test_dcgan_run_writes_sample_grids_and_sample_command(tmp_path):
    out = tmp_path / "r"
    result = invoke("run", "--arch", "dcgan", "--steps", "4", "--set", "arch.width=8", "--set", "log.every=2",
                    "--set", "log.eval_every=2", "--set", "log.progress=false", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "dcgan · nonsat · digits" in result.output  # digits is dcgan's default dataset
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["final.png", "step-000002.png", "step-000004.png"]
    with Image.open(out / "samples" / "final.png") as im:
        assert im.size == (8 * 34 + 2, 8 * 34 + 2) and im.mode == "L"
    assert f"samples: {out / 'samples' / 'final.png'}\n" in result.output
    r = invoke("sample", str(out), "--n", "10", "--out", str(tmp_path / "s.npy"))
    assert r.exit_code == 0, r.output
    arr = np.load(tmp_path / "s.npy")
    assert arr.shape == (10, 1, 32, 32) and arr.min() >= -1 and arr.max() <= 1
    assert invoke("sample", str(out), "--out", str(tmp_path / "s.png")).exit_code == 0
    with Image.open(tmp_path / "s.png") as im:
        assert im.size == (8 * 34 + 2, 8 * 34 + 2)
    bad = invoke("sample", str(out), "--out", str(tmp_path / "s.jpg"))
    assert bad.exit_code == 1 and "use a .png (a picture) or .npy (raw samples) file" in bad.output


def test_points_run_draws_scatter_and_samples_npy(tmp_path):
    out = tmp_path / "r"
    invoke("run", "--steps", "20", "--batch-size", "32", "--set", "log.every=10", "--set", "log.eval_every=10",
           "--set", "log.progress=false", "--out", str(out))  # fmt: skip
    with Image.open(out / "samples" / "final.png") as im:
        assert im.size == (400, 400)
    invoke("sample", str(out), "--n", "7", "--seed", "3", "--out", str(tmp_path / "p.npy"))
    a = np.load(tmp_path / "p.npy")
    assert a.shape == (7, 2)
    invoke("sample", str(out), "--n", "7", "--seed", "3", "--out", str(tmp_path / "q.npy"))
    assert np.array_equal(a, np.load(tmp_path / "q.npy"))  # seeded


def test_mlp_on_flattened_images(tmp_path):
    cfg = ganlab.load_config(overrides={"data.name": "digits", "train.steps": 3, "train.batch_size": 8, "log.progress": False})
    assert cfg.data.name == "digits" and cfg.arch.name == "mlp"
    assert ganlab.train(cfg, out=tmp_path / "r").summary["status"] == "completed"


def test_inspect_json_and_table():
    info = json.loads(invoke("inspect", "--arch", "dcgan", "--image-size", "64", "--json").output)
    assert info["generator"]["parameters"] == 3_576_704 and info["discriminator"]["parameters"] == 2_765_568
    assert info["generator"]["layers"][0]["output_shape"] == [512, 4, 4]
    assert info["generator"]["layers"][-1]["output_shape"] == [3, 64, 64]
    assert info["discriminator"]["layers"][-1]["output_shape"] == [1, 1, 1]
    table = invoke("inspect", "--arch", "dcgan", "--dataset", "digits").output
    assert "generator:" in table and "1x32x32" in table
    assert invoke("inspect", "--arch", "mlp").exit_code == 0
    bad = invoke("inspect", "--arch", "dcgan", "--dataset", "ring8")
    assert bad.exit_code == 1 and "dcgan needs image data" in bad.output
