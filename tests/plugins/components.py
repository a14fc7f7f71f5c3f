"""A test plugin that adds one component of each registrable kind, and a command."""

import click
import torch

import ganlab
from ganlab.components import GAN, Dataset, Diagnostic, FeatureExtractor, Loss, Regularizer


class Line(Dataset):
    """Points on the segment y = 0, x in [-1, 1]."""

    def batch(self, n, generator):
        x = torch.rand(n, 1, generator=generator) * 2 - 1
        return torch.cat([x, torch.zeros_like(x)], dim=1)


class Linear(torch.nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.f = torch.nn.Linear(n_in, n_out)

    def forward(self, x):
        return self.f(x.flatten(1))


def tiny(*, data_shape, latent_dim: int = 3):
    """A linear generator and a linear discriminator."""
    g = torch.nn.Sequential(Linear(latent_dim, data_shape[0]))
    d = torch.nn.Sequential(Linear(data_shape[0], 1), torch.nn.Flatten(0))
    return GAN(g, d, latent_dim)


class Blowup(Loss):
    """Non-saturating until step `at`, then infinite (to test divergence handling)."""

    def __init__(self, at: int = 25):
        self.at, self.calls = at, 0

    def discriminator_loss(self, real_out, fake_out):
        self.calls += 1
        loss = torch.nn.functional.softplus(-real_out).mean() + torch.nn.functional.softplus(fake_out).mean()
        return loss * float("inf") if self.calls > self.at else loss

    def generator_loss(self, fake_out, real_out=None):
        return torch.nn.functional.softplus(-fake_out).mean()


class Counter(Diagnostic):
    """Counts logging points."""

    when = "log"

    def __init__(self):
        self.n = 0

    def observe(self, step, stats):
        self.n += 1
        return {"count": float(self.n)}

    def verdict(self):
        return ("ok", f"{self.n} logging points")


class WeightDecay(Regularizer):
    """L2 penalty on D's weights."""

    def __init__(self, weight: float = 1e-3):
        self.weight = weight

    def penalty(self, discriminator, real, fake, step):
        return self.weight * sum(p.pow(2).sum() for p in discriminator.parameters())


class FlatPixels(FeatureExtractor):
    """Every pixel as a feature (a toy extractor)."""

    protocol = "flat pixels"

    def __call__(self, images):
        return images.flatten(1)


@ganlab.hookimpl
def register_extractors(register):
    register("flat-pixels", FlatPixels)


@ganlab.hookimpl
def register_regularizers(register):
    register("weight-decay", WeightDecay)


@ganlab.hookimpl
def register_architectures(register):
    register("tiny", tiny)


@ganlab.hookimpl
def register_losses(register):
    register("blowup", Blowup)


@ganlab.hookimpl
def register_datasets(register):
    register("line", Line)


@ganlab.hookimpl
def register_diagnostics(register):
    register("counter", Counter)


@ganlab.hookimpl
def register_commands(cli):
    @cli.command()
    def hello():
        """Say hello from a plugin."""
        click.echo("hello from a plugin")
