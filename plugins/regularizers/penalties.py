"""Gradient penalties of Mescheder, Geiger & Nowozin 2018 ("Which training methods for GANs do
actually converge?"):

    R1(D) = gamma / 2 * E_{x ~ data} |grad_x D(x)|^2        R2: the same on generated x

``every`` > 1 is lazy regularisation (Karras et al. 2020): the penalty is applied every ``every``
steps, scaled by ``every`` so its average strength is unchanged.
"""

from __future__ import annotations

import torch

from ganlab.components import Regularizer
from ganlab.errors import GanlabError


def grad_penalty(discriminator, x: torch.Tensor) -> torch.Tensor:
    """E |grad_x D(x)|^2 over the batch, differentiable in D's weights."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(x).sum(), x, create_graph=True)
    return grad.flatten(1).pow(2).sum(dim=1).mean()


class R1(Regularizer):
    """R1: gamma/2 E|grad D(x)|^2 on real data (Mescheder et al. 2018)."""

    on = "real"

    def __init__(self, gamma: float = 10.0, every: int = 1):
        if gamma < 0 or every < 1:
            raise GanlabError(f"reg.gamma must be >= 0 and reg.every >= 1, got {gamma} and {every}")
        self.gamma, self.every = gamma, every

    def penalty(self, discriminator, real, fake, step):
        if step % self.every:
            return None
        x = real if self.on == "real" else fake
        return self.gamma / 2 * self.every * grad_penalty(discriminator, x)


class R2(R1):
    """R2: gamma/2 E|grad D(x)|^2 on generated data (Mescheder et al. 2018)."""

    on = "fake"
