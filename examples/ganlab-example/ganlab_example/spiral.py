"""A two-armed spiral in 2-D, drawn on the training device."""

import math

import torch

from ganlab.components import Dataset


class Spiral(Dataset):
    """A two-armed 2-D spiral (example plugin)."""

    kind = "points"
    shape = (2,)

    def __init__(self, turns: float = 1.5, noise: float = 0.02):
        self.turns, self.noise = turns, noise
        self.device = torch.device("cpu")

    def to(self, device):
        self.device = torch.device(device)
        return self

    def batch(self, n, generator):
        t = torch.rand(n, generator=generator, device=self.device)  # position along the arm
        arm = torch.randint(2, (n,), generator=generator, device=self.device) * math.pi
        angle = t * self.turns * 2 * math.pi + arm
        pts = torch.stack([t * angle.cos(), t * angle.sin()], dim=1)
        return pts + self.noise * torch.randn(n, 2, generator=generator, device=self.device)
