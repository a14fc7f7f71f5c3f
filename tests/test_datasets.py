import math

import numpy as np
import pytest
import torch

from ganlab.errors import GanlabError
from ganlab.plugins.datasets.mixtures import Grid, Ring
from ganlab.plugins.datasets.points import PointsFile


def test_ring8_has_eight_distinct_modes_on_the_unit_circle():
    ring = Ring()
    c = ring.modes.double()
    assert c.shape == (8, 2)
    assert torch.allclose(c.norm(dim=1), torch.ones(8, dtype=torch.float64))
    angles = sorted(math.atan2(y, x) % (2 * math.pi) for x, y in c.tolist())
    assert angles == pytest.approx([k * math.pi / 4 for k in range(8)], abs=1e-6)
    # the classic off-by-one (linspace including 2*pi) would make two modes coincide
    assert torch.cdist(c, c).add(torch.eye(8, dtype=torch.float64) * 9).min() == pytest.approx(2 * math.sin(math.pi / 8), rel=1e-6)
    assert ring.mode_std == 0.01


def test_grid25_centres_and_std():
    grid = Grid()
    got = sorted(map(tuple, grid.modes.tolist()))
    want = sorted((float(x), float(y)) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4))
    assert got == want and grid.mode_std == 0.05


def test_mixture_samples_have_the_declared_spread():
    ring = Ring(std=0.01)
    g = torch.Generator().manual_seed(0)
    x = ring.batch(20000, g)
    d = torch.cdist(x.double(), ring.modes.double())
    nearest, idx = d.min(dim=1)
    counts = torch.bincount(idx, minlength=8).double() / len(x)
    assert counts.sub(1 / 8).abs().max() < 0.01  # modes drawn uniformly
    # per-coordinate std of the offsets from the nearest centre
    offsets = x.double() - ring.modes.double()[idx]
    assert offsets.std(dim=0).tolist() == pytest.approx([0.01, 0.01], rel=0.03)


def test_batches_follow_the_generator_seed():
    ring = Ring()
    a = ring.batch(5, torch.Generator().manual_seed(3))
    b = ring.batch(5, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


@pytest.mark.parametrize("kwargs, msg", [({"std": 0}, "data.std must be positive"), ({"modes": 0}, "data.modes must be at least 1")])
def test_bad_mixture_options(kwargs, msg):
    with pytest.raises(GanlabError, match=msg):
        Ring(**kwargs)


def test_points_file_npy_and_npz(tmp_path):
    arr = np.arange(12, dtype=np.float64).reshape(6, 2)
    np.save(tmp_path / "a.npy", arr)
    ds = PointsFile(path=str(tmp_path / "a.npy"))
    assert ds.shape == (2,) and ds.tensor.dtype == torch.float32
    batch = ds.batch(100, torch.Generator().manual_seed(0))
    assert batch.shape == (100, 2)
    assert {tuple(r) for r in batch.tolist()} <= {tuple(r) for r in arr.tolist()}
    np.savez(tmp_path / "b.npz", pts=arr, other=arr)
    assert PointsFile(path=str(tmp_path / "b.npz"), key="pts").shape == (2,)
    with pytest.raises(GanlabError, match="several arrays .*--set data.key=NAME"):
        PointsFile(path=str(tmp_path / "b.npz"))


@pytest.mark.parametrize(
    "content, msg",
    [
        (None, "does not exist"),
        (b"not numpy", "is not a .npy/.npz array file"),
        (np.zeros(5), "must hold a real-valued (N, D) array, got shape (5,)"),
        (np.array([[1.0, np.nan]]), "contains NaN or infinite values"),
    ],
)
def test_points_file_bad_inputs(tmp_path, content, msg):
    path = tmp_path / "p.npy"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        np.save(path, content)
    with pytest.raises(GanlabError) as e:
        PointsFile(path=str(path))
    assert msg in str(e.value)
