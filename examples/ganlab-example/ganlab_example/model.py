"""A residual MLP: x + f(x) blocks keep gradients flowing through deeper networks."""

import math

from torch import nn

from ganlab.components import GAN


class Block(nn.Module):
    def __init__(self, width, act):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(width, width), act, nn.Linear(width, width))
        self.act = act

    def forward(self, x):
        return self.act(x + self.f(x))


class Generator(nn.Module):
    def __init__(self, latent_dim, data_shape, width, blocks):
        super().__init__()
        self.data_shape = tuple(data_shape)
        out = math.prod(data_shape)
        self.net = nn.Sequential(nn.Linear(latent_dim, width), nn.ReLU(), *[Block(width, nn.ReLU()) for _ in range(blocks)], nn.Linear(width, out))
        self.tanh = len(data_shape) == 3

    def forward(self, z):
        x = self.net(z)
        return (x.tanh() if self.tanh else x).view(z.shape[0], *self.data_shape)


class Discriminator(nn.Module):
    def __init__(self, data_shape, width, blocks):
        super().__init__()
        act = nn.LeakyReLU(0.2)
        self.net = nn.Sequential(nn.Linear(math.prod(data_shape), width), act, *[Block(width, act) for _ in range(blocks)], nn.Linear(width, 1))

    def forward(self, x):
        return self.net(x.flatten(1)).squeeze(1)


def build(*, data_shape, latent_dim: int = 8, width: int = 64, blocks: int = 2):
    """MLP G and D with residual blocks (example plugin)."""
    if min(latent_dim, width) < 1 or blocks < 0:
        raise ganlab_error(f"residual-mlp needs latent_dim, width >= 1 and blocks >= 0, got {latent_dim}, {width}, {blocks}")
    return GAN(Generator(latent_dim, data_shape, width, blocks), Discriminator(data_shape, width, blocks), latent_dim)


def ganlab_error(msg):
    import ganlab

    return ganlab.GanlabError(msg)
