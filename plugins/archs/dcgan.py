"""DCGAN (Radford, Metz & Chintala 2016), exactly as the paper gives it at 64x64x3.

>>> from ganlab.plugins.archs.dcgan import build
>>> gan = build(data_shape=(3, 64, 64))                  # the paper's network at 64x64x3
>>> sum(p.numel() for p in gan.generator.parameters()), sum(p.numel() for p in gan.discriminator.parameters())
(3576704, 2765568)
>>> build(data_shape=(1, 32, 32), width=32).generator(torch.zeros(2, 100)).shape   # fewer layers
torch.Size([2, 1, 32, 32])

Generator: ConvTranspose2d 100 -> 8w -> 4w -> 2w -> w -> C (w = width = 64 by default), 4x4
kernels, stride 2 after a first 4x4 projection, BatchNorm and ReLU between, Tanh out.
Discriminator: Conv2d C -> w -> 2w -> 4w -> 8w -> 1, 4x4 kernels, LeakyReLU(0.2), BatchNorm on all
but the first layer; the paper's final Sigmoid is folded into the loss (BCE with logits).
No biases (every conv but the last two is followed by BatchNorm; the paper's reference code and
PyTorch's DCGAN example drop them everywhere): 3,576,704 generator and 2,765,568 discriminator
parameters at 64x64x3. Smaller images drop layers from the middle: 32x32 goes 4w -> 2w -> w,
16x16 goes 2w -> w. Weights start as the paper says: conv N(0, 0.02); BatchNorm gamma N(1, 0.02),
beta 0. ``minibatch_std=true`` appends the minibatch standard deviation (Karras et al. 2018) as one
more channel before D's last convolution. D takes any channel count (packing widens it).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganlab.components import GAN
from ganlab.errors import GanlabError
from ganlab.nn import MinibatchStd, check_group

SIZES = (16, 32, 64)


def init_weights(module: nn.Module) -> None:
    """DCGAN's initialisation: conv weights N(0, 0.02); BatchNorm weight N(1, 0.02), bias 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Module):
    def __init__(self, latent_dim: int, channels: int, size: int, width: int):
        super().__init__()
        n = int(math.log2(size)) - 2  # stride-2 layers after the 4x4 projection: 2, 3, 4
        widths = [width * 2 ** (n - 1 - i) for i in range(n)]  # 64x64: 8w, 4w, 2w, w
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, widths[0], 4, 1, 0, bias=False),  # (B, 8w, 4, 4)
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(True),
        ]
        for c_in, c_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]  # (B, C, S, S)
        self.net = nn.Sequential(*layers)
        self.latent_dim = latent_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], self.latent_dim, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, channels: int, size: int, width: int, mbstd_group: int | None = None):
        super().__init__()
        n = int(math.log2(size)) - 2
        widths = [width * 2**i for i in range(n)]  # 64x64: w, 2w, 4w, 8w
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        for c_in, c_out in zip(widths, widths[1:]):
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2, inplace=True)]
        if mbstd_group is not None:
            layers.append(MinibatchStd(mbstd_group))  # (B, 8w + 1, 4, 4)
        layers.append(nn.Conv2d(widths[-1] + (mbstd_group is not None), 1, 4, 1, 0, bias=False))  # (B, 1, 1, 1) logits
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()  # (B,)


def build(
    *,
    data_shape: tuple[int, ...],
    latent_dim: int = 100,  # size of the noise z (the paper's 100)
    width: int = 64,  # channels of D's first and G's last hidden layer (the paper's 64)
    minibatch_std: bool = False,  # the minibatch std as one more channel before D's last conv (Karras et al. 2018)
    minibatch_std_group: int = 4,  # samples per group for that std (the paper's 4; 0: the whole batch)
) -> GAN:
    """DCGAN of Radford et al. 2016, as the paper gives it at 64x64x3; also 16 or 32 px."""
    if len(data_shape) != 3:
        raise GanlabError(f"dcgan needs image data (C, H, W), got points of shape {tuple(data_shape)}; use --arch mlp")
    c, h, w = data_shape
    if h != w or h not in SIZES:
        raise GanlabError(f"dcgan supports square images of {', '.join(map(str, SIZES))} px, got {h}x{w}; set data.image_size")
    if c < 1:
        raise GanlabError(f"dcgan needs at least one channel, got {c}")
    if latent_dim < 1 or width < 1:
        raise GanlabError(f"arch.latent_dim and arch.width must be at least 1, got {latent_dim} and {width}")
    check_group(minibatch_std_group)
    g, d = Generator(latent_dim, c, h, width), Discriminator(c, h, width, minibatch_std_group if minibatch_std else None)
    g.apply(init_weights)
    d.apply(init_weights)
    return GAN(generator=g, discriminator=d, latent_dim=latent_dim)


# The paper's recipe (section 4): Adam lr 2e-4, beta1 0.5. Batch 64 and these steps give
# recognisable 32x32 digits in a few minutes on two CPU cores (the paper used batch 128).
build.recommended = {
    "data.name": "digits",
    "train.lr_g": 2e-4,
    "train.lr_d": 2e-4,
    "train.beta1": 0.5,
    "train.batch_size": 64,
    "train.steps": 1200,
}
