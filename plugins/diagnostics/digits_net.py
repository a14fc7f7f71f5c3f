"""A small CNN that classifies scikit-learn's digits, shipped inside ganlab as a feature extractor.

It gives offline FID/KID/precision-recall features for the ``digits`` and ``stacked-digits``
datasets, and labels each channel for the Stacked-MNIST mode count. Trained by
``scripts/train_digits_classifier.py`` (anyone can rerun it; it is deterministic on the CPU); its
held-out accuracy is stored beside the weights and printed in docs/diagnostics.md.

Input: (B, 1, H, W) in [-1, 1] at any H, W (resized to 32x32). Output of ``features``: (B, 64).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

WEIGHTS = Path(__file__).with_name("digits_classifier.pt")
META = Path(__file__).with_name("digits_classifier.json")
SIZE = 32


class DigitsNet(nn.Module):
    num_features = 64

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (B, 16, 16, 16)
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 32, 8, 8)
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 32, 4, 4)
            nn.Flatten(), nn.Linear(512, 64), nn.ReLU(),                  # (B, 64)
        )  # fmt: skip
        self.head = nn.Linear(64, 10)

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != SIZE or x.shape[-2] != SIZE:
            x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False, antialias=True)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.prepare(x.float()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (B, 10) logits


@lru_cache(maxsize=None)
def load() -> DigitsNet:
    """The shipped classifier, in eval mode on the CPU."""
    net = DigitsNet()
    net.load_state_dict(torch.load(WEIGHTS, map_location="cpu", weights_only=True))
    return net.eval().requires_grad_(False)


def accuracy() -> float:
    return json.loads(META.read_text())["test_accuracy"]
