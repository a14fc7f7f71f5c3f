"""The minimax and non-saturating losses of Goodfellow et al. 2014, from D's logits.

With l = D's logit and D(x) = sigmoid(l), using log sigmoid(l) = -softplus(-l) and
log(1 - sigmoid(l)) = -softplus(l), which stay finite where the sigmoid saturates:

  D (both):        minimise -[log D(x) + log(1 - D(G(z)))] = softplus(-l_real) + softplus(l_fake)
  G, minimax:      minimise  log(1 - D(G(z)))              = -softplus(l_fake)
  G, nonsat:       minimise -log D(G(z))                   = softplus(-l_fake)

The minimax generator's gradient vanishes when D confidently rejects fakes (l_fake << 0); the
non-saturating one is strongest exactly there (Goodfellow 2014, section 3; Fedus et al. 2018).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlab.components import Loss


def discriminator_bce(real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """BCE with label 1 on real and 0 on fake, summed over the two batches (each a mean)."""
    return F.softplus(-real_out).mean() + F.softplus(fake_out).mean()


class Minimax(Loss):
    """The saturating game of Goodfellow 2014: G minimises log(1 - D(G(z)))."""

    output = "probability"

    def discriminator_loss(self, real_out, fake_out):
        return discriminator_bce(real_out, fake_out)

    def generator_loss(self, fake_out, real_out=None):
        return -F.softplus(fake_out).mean()


class NonSaturating(Loss):
    """Goodfellow 2014's non-saturating variant: G maximises log D(G(z))."""

    output = "probability"

    def discriminator_loss(self, real_out, fake_out):
        return discriminator_bce(real_out, fake_out)

    def generator_loss(self, fake_out, real_out=None):
        return F.softplus(-fake_out).mean()
