"""Layers ganlab applies to any discriminator, or offers to any architecture.

>>> import torch
>>> from ganlab.nn import MinibatchStd, Packed
>>> d = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 1), torch.nn.Flatten(0))
>>> Packed(d, pack=2)(torch.zeros(6, 2)).shape          # 6 points in 3 packs of 2: one score a pack
torch.Size([3])
>>> MinibatchStd(group_size=2)(torch.tensor([[0.0, 0.0], [2.0, 4.0]]))   # std 1 and 2: mean 1.5
tensor([[0.0000, 0.0000, 1.5000],
        [2.0000, 4.0000, 1.5000]])

- :func:`spectral_normalize` (Miyato et al. 2018): ``arch.spectral_norm = true`` on any architecture.
- :class:`Packed` (Lin et al. 2018, PacGAN): ``train.pack = m`` on any architecture.
- :class:`MinibatchStd` (Karras et al. 2018): the ``arch.minibatch_std`` option of ``mlp`` and
  ``dcgan``; a plugin architecture can insert it the same way.
"""

from __future__ import annotations

import torch
from torch import nn

from ganlab.errors import GanlabError


def spectral_normalize(module: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al. 2018) of every Linear and convolution inside
    ``module``, through torch's own ``spectral_norm`` parametrisation (one power iteration per
    forward in training). In place; returns ``module``."""
    from torch.nn.utils.parametrizations import spectral_norm

    for name, child in list(module.named_children()):
        if isinstance(child, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d)):
            setattr(module, name, spectral_norm(child))
        else:
            spectral_normalize(child)
    return module


class Packed(nn.Module):
    """PacGAN's packed discriminator (Lin et al. 2018): consecutive groups of ``pack`` samples,
    all real or all generated, are judged together as one input, concatenated along features
    (points, (B, D) -> (B/m, m*D)) or channels (images, (B, C, H, W) -> (B/m, m*C, H, W)).

    ``inner`` is the architecture's own discriminator built for the widened input; its output is
    one score per pack, (B/m,)."""

    def __init__(self, inner: nn.Module, pack: int):
        super().__init__()
        self.inner, self.pack = inner, pack

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        if b % self.pack:
            raise ValueError(f"a batch of {b} does not split into packs of {self.pack}")
        return self.inner(x.reshape(b // self.pack, self.pack * x.shape[1], *x.shape[2:]))  # (B/m, m*C, ...)

    def extra_repr(self) -> str:
        return f"pack={self.pack}"


def check_group(group_size: int) -> None:
    """One line for a minibatch-std group size that cannot work: 0 (whole batch) or >= 2."""
    if group_size < 0 or group_size == 1:
        raise GanlabError(f"arch.minibatch_std_group must be 0 (the whole batch) or 2 or more samples, got {group_size}")


class MinibatchStd(nn.Module):
    """Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs", section 3):
    the standard deviation of every feature over a group of samples, averaged into one number,
    appended to each sample of the group as one more feature (B, F) -> (B, F + 1), or one more
    constant channel (B, C, H, W) -> (B, C + 1, H, W). D can then see how varied a batch is, which
    a collapsed generator cannot fake.

    Groups as in the paper's code: with M = B / G, sample i belongs to group i mod M; G is
    ``group_size`` (or the whole batch if it does not divide it). The std is the population one,
    sqrt(mean((x - mean)^2) + 1e-8). A group of one sample has no spread (a constant feature), so
    ``group_size`` must be 0 (the whole batch) or at least 2."""

    def __init__(self, group_size: int = 4):
        super().__init__()
        check_group(group_size)
        self.group_size = group_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        g = min(self.group_size, b) if self.group_size > 0 else b
        if b % g:
            g = b
        y = x.reshape(g, b // g, *x.shape[1:]).float()  # (G, M, ...): y[j, i] is sample j*M + i
        std = (y - y.mean(dim=0)).pow(2).mean(dim=0).add(1e-8).sqrt()  # (M, ...)
        std = std.flatten(1).mean(dim=1).to(x.dtype)  # (M,): one number per group
        per_sample = std.repeat(g)  # (B,): sample j*M + i gets group i's value
        extra = per_sample.view(b, 1, *([1] * (x.dim() - 2))).expand(b, 1, *x.shape[2:])
        return torch.cat([x, extra], dim=1)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"
