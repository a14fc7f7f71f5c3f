"""MNIST, Fashion-MNIST, CIFAR-10 and CelebA through torchvision (an optional extra).

    pip install 'ganlab[vision]'
    ganlab run --arch dcgan --dataset mnist --set data.root=~/data

They download into ``data.root`` when the machine has a network. Offline, or without torchvision,
they fail with one line saying what to do. MNIST, Fashion-MNIST and CIFAR-10 are held in memory on
the device; CelebA (200k images) streams through a DataLoader.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganlab.errors import GanlabError
from ganlab.plugins.datasets.images import TensorImages, check_size, resize

DEFAULT_ROOT = "~/.cache/ganlab/data"
_TV = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10", "celeba": "CelebA"}


def _torchvision():
    try:
        import torchvision
    except Exception as exc:  # ImportError, or a torchvision built for another torch
        raise GanlabError(
            f"this dataset needs torchvision ({type(exc).__name__}: {exc}); "
            "install it with: pip install 'ganlab[vision]'"
        ) from None
    return torchvision


def _open(name: str, root: str, **kwargs):
    tv = _torchvision()
    path = Path(root).expanduser()
    cls = getattr(tv.datasets, _TV[name])
    try:
        return cls(str(path), download=True, **kwargs)
    except Exception as exc:
        raise GanlabError(
            f"could not load or download {_TV[name]} into {str(path)!r} ({type(exc).__name__}: {exc}); "
            f"offline, copy the torchvision {_TV[name]} files there and point --set data.root=DIR at them"
        ) from None


def _in_memory(name: str, root: str, image_size: int) -> TensorImages:
    check_size(image_size)
    ds = _open(name, root, train=True)
    data = ds.data.numpy() if isinstance(ds.data, torch.Tensor) else np.asarray(ds.data)
    x = torch.from_numpy(data).float() / 255.0
    x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)  # (N, C, H, W)
    targets = torch.as_tensor(np.asarray(ds.targets)).long()
    return TensorImages(resize(x, image_size), targets)


def Mnist(root: str = DEFAULT_ROOT, image_size: int = 32):
    """MNIST digits via torchvision (downloads; offline: --set data.root=DIR)."""
    return _in_memory("mnist", root, image_size)


def FashionMnist(root: str = DEFAULT_ROOT, image_size: int = 32):
    """Fashion-MNIST via torchvision (downloads; offline: --set data.root=DIR)."""
    return _in_memory("fashion-mnist", root, image_size)


def Cifar10(root: str = DEFAULT_ROOT, image_size: int = 32):
    """CIFAR-10 training images via torchvision (downloads; offline: --set data.root=DIR)."""
    return _in_memory("cifar10", root, image_size)


def Celeba(root: str = DEFAULT_ROOT, image_size: int = 64, workers: int = 4):
    """CelebA faces via torchvision, centre-cropped; streamed (downloads; offline: --set data.root=DIR)."""
    from ganlab.plugins.datasets.stream import StreamingImages

    check_size(image_size)
    tv = _torchvision()
    t = tv.transforms
    transform = t.Compose([t.Resize(image_size), t.CenterCrop(image_size), t.ToTensor(), t.Normalize([0.5] * 3, [0.5] * 3)])

    class Images(torch.utils.data.Dataset):
        def __init__(self, inner):
            self.inner = inner

        def __len__(self):
            return len(self.inner)

        def __getitem__(self, i):
            return self.inner[i][0]

    return StreamingImages(Images(_open("celeba", root, split="train", transform=transform)), (3, image_size, image_size), workers)


for _f in (Mnist, FashionMnist, Cifar10, Celeba):
    _f.kind = "images"
