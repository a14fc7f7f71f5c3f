"""Image datasets held in memory on the training device, values in [-1, 1], shape (C, S, S).

    digits          scikit-learn's bundled 8x8 handwritten digits (1,797 images, no download),
                    resized to ``image_size`` (32 by default)
    stacked-digits  three independently drawn digits as the R, G and B channels: 1,000 modes, the
                    Stacked-MNIST protocol of VEEGAN / PacGAN / Unrolled GAN, offline

Batches are drawn by indexing the device tensor with the run's generator: no DataLoader, no
per-step host work.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlab.components import Dataset
from ganlab.errors import GanlabError
from ganlab.plugins.datasets.memory import InMemory

SIZES = (8, 16, 32, 64)


def check_size(image_size: int) -> None:
    if image_size not in SIZES:
        raise GanlabError(f"data.image_size must be one of {', '.join(map(str, SIZES))}, got {image_size}")


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, h, w) in [0, 1] -> (N, C, size, size) in [-1, 1]."""
    if images.shape[-1] != size:
        images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return (images.clamp(0, 1) * 2 - 1).contiguous()


class TensorImages(InMemory):
    """Images held as one (N, C, H, W) tensor on the device."""

    kind = "images"

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None = None):
        self.tensor = images.float()
        self.labels = labels
        self.shape = tuple(self.tensor.shape[1:])

    @property
    def images(self) -> torch.Tensor:
        return self.tensor


def load_digits_tensor(image_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.from_numpy(d.images).float().unsqueeze(1) / 16.0  # (1797, 1, 8, 8) in [0, 1]
    return resize(x, image_size), torch.from_numpy(d.target).long()


class Digits(TensorImages):
    """scikit-learn's 8x8 handwritten digits (1,797, bundled), resized; no download."""

    features = "digits"  # the shipped digits classifier gives offline FID/KID/precision-recall

    def __init__(self, image_size: int = 32, channels: int = 1):
        check_size(image_size)
        if channels not in (1, 3):
            raise GanlabError(f"data.channels must be 1 or 3, got {channels}")
        x, y = load_digits_tensor(image_size)
        super().__init__(x.repeat(1, channels, 1, 1), y)


class StackedDigits(Dataset):
    """Three random digits as R, G, B channels: 1,000 modes (Stacked-MNIST, offline)."""

    kind = "images"
    features = "digits"
    stacked = True  # 1,000 modes: the stacked-modes diagnostic applies

    def __init__(self, image_size: int = 32):
        check_size(image_size)
        self.digits, self.labels = load_digits_tensor(image_size)  # (N, 1, S, S), (N,)
        self.shape = (3, image_size, image_size)

    def to(self, device):
        self.digits = self.digits.to(device)
        return self

    def all_samples(self):
        return None  # 1,797^3 combinations: reference statistics use a draw

    def batch(self, n, generator):
        idx = torch.randint(len(self.digits), (n, 3), generator=generator, device=self.digits.device)
        return self.digits[idx].squeeze(2)  # (n, 3, S, S): channel c is digit idx[:, c]
