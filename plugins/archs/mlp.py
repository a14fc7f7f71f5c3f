"""The multilayer-perceptron GAN of Goodfellow et al. 2014 ("Generative Adversarial Nets").

>>> from ganlab.plugins.archs.mlp import build
>>> gan = build(data_shape=(2,), width=128, depth=3)       # 2-D points
>>> gan.generator(gan.latent(5)).shape, gan.discriminator(gan.generator(gan.latent(5))).shape
(torch.Size([5, 2]), torch.Size([5]))
>>> build(data_shape=(1, 8, 8)).generator.out              # flattened images, Tanh output
Tanh()

G: z -> [Linear, ReLU] x depth -> Linear (-> Tanh for images, whose values lie in [-1, 1]).
D: x -> [Linear, LeakyReLU(0.2)] x d_depth -> Linear -> one logit per sample. The paper's final
sigmoid is folded into the loss (BCE with logits) for numerical stability. The paper's D used
maxout units (and dropout); ``d_maxout=5`` gives maxout with 5 pieces in place of LeakyReLU, as
in the paper and in PacGAN's 2-D experiments, whose generator also used BatchNorm
(``batchnorm=true``). LeakyReLU and no BatchNorm are the defaults: cheaper on a CPU.
``minibatch_std=true`` appends the minibatch standard deviation (Karras et al. 2018) to D's last
hidden features. Spectral normalisation (``arch.spectral_norm``) is applied by ganlab's core to
any architecture's D.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganlab.components import GAN
from ganlab.errors import GanlabError
from ganlab.nn import MinibatchStd, check_group


class Maxout(nn.Linear):
    """A Linear layer to ``width * pieces`` units, then the maximum over each unit's pieces
    (Goodfellow et al. 2013). A Linear subclass, so spectral normalisation applies to it."""

    def __init__(self, n_in: int, width: int, pieces: int):
        super().__init__(n_in, width * pieces)
        self.width, self.pieces = width, pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).view(x.shape[0], self.width, self.pieces).amax(dim=2)  # (B, width)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, width={self.width}, pieces={self.pieces}"


def _mlp(n_in: int, width: int, depth: int, n_out: int, hidden, mbstd_group: int | None = None) -> nn.Sequential:
    """``hidden(n_in, width)`` gives one hidden block's layers (a flat list, so the parameter
    names of the plain MLP stay ``net.0.weight``, ``net.2.weight``, ...); with ``mbstd_group``
    (not None) a MinibatchStd comes before the output layer."""
    layers = [layer for i in range(depth) for layer in hidden(n_in if i == 0 else width, width)]
    last = width if depth else n_in
    if mbstd_group is not None:
        layers.append(MinibatchStd(mbstd_group))
        last += 1
    layers.append(nn.Linear(last, n_out))
    return nn.Sequential(*layers)


def _g_block(batchnorm: bool):
    def block(n_in: int, n_out: int) -> list[nn.Module]:
        if batchnorm:  # no bias: BatchNorm's shift replaces it
            return [nn.Linear(n_in, n_out, bias=False), nn.BatchNorm1d(n_out), nn.ReLU()]
        return [nn.Linear(n_in, n_out), nn.ReLU()]

    return block


def _d_block(maxout: int):
    def block(n_in: int, n_out: int) -> list[nn.Module]:
        if maxout:
            return [Maxout(n_in, n_out, maxout)]
        return [nn.Linear(n_in, n_out), nn.LeakyReLU(0.2)]

    return block


class Generator(nn.Module):
    def __init__(self, latent_dim: int, data_shape: tuple[int, ...], width: int, depth: int, batchnorm: bool = False):
        super().__init__()
        self.data_shape = tuple(data_shape)
        self.net = _mlp(latent_dim, width, depth, math.prod(data_shape), _g_block(batchnorm))
        self.out = nn.Tanh() if len(data_shape) == 3 else nn.Identity()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(self.net(z)).view(z.shape[0], *self.data_shape)  # (B, *data_shape)


class Discriminator(nn.Module):
    def __init__(self, data_shape: tuple[int, ...], width: int, depth: int, maxout: int = 0, mbstd_group: int | None = None):
        super().__init__()
        self.net = _mlp(math.prod(data_shape), width, depth, 1, _d_block(maxout), mbstd_group)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(1)  # (B,) logits


def build(
    *,
    data_shape: tuple[int, ...],
    latent_dim: int = 16,  # size of the noise z
    width: int = 64,  # hidden units per layer of G
    depth: int = 3,  # hidden layers of G
    d_width: int = 128,  # hidden units per layer of D
    d_depth: int = 3,  # hidden layers of D
    d_maxout: int = 0,  # maxout pieces per hidden unit of D; 0: LeakyReLU(0.2)
    batchnorm: bool = False,  # BatchNorm after each hidden Linear of G
    minibatch_std: bool = False,  # append the minibatch std to D's last hidden features (Karras et al. 2018)
    minibatch_std_group: int = 4,  # samples per group for that std (the paper's 4; 0: the whole batch)
) -> GAN:
    """Feed-forward G and D of Goodfellow et al. 2014; points or flattened images."""
    for key, v in (("latent_dim", latent_dim), ("width", width), ("d_width", d_width)):
        if v < 1:
            raise GanlabError(f"arch.{key} must be at least 1, got {v}")
    for key, v in (("depth", depth), ("d_depth", d_depth)):
        if v < 0:
            raise GanlabError(f"arch.{key} must be 0 or more, got {v}")
    if d_maxout < 0 or d_maxout == 1:
        raise GanlabError(f"arch.d_maxout must be 0 (LeakyReLU) or 2 or more pieces, got {d_maxout}")
    check_group(minibatch_std_group)
    d = Discriminator(data_shape, d_width, d_depth, d_maxout, minibatch_std_group if minibatch_std else None)
    return GAN(generator=Generator(latent_dim, data_shape, width, depth, batchnorm), discriminator=d, latent_dim=latent_dim)
