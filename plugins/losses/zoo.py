"""Losses beyond Goodfellow et al. 2014, as compared by Lucic et al. 2018 and Kurach et al. 2019.

With r = D's raw outputs on real data and f = on generated data (means over the batch):

  wgan     (Arjovsky et al. 2017)   D: f - r                         G: -f       D's weights clipped to [-c, c]
  wgan-gp  (Gulrajani et al. 2017)  D: f - r + lambda (|grad D(x^)| - 1)^2, x^ between real and fake   G: -f
  hinge    (Lim & Ye 2017)          D: relu(1 - r) + relu(1 + f)     G: -f
  lsgan    (Mao et al. 2017)        D: ((r - 1)^2 + f^2) / 2         G: (f - 1)^2 / 2
  rsgan    (Jolicoeur-Martineau)    D: softplus(-(r - f))            G: softplus(-(f - r))
  rasgan   (Jolicoeur-Martineau)    D: softplus(-(r - mean f)) + softplus(f - mean r)
                                    G: softplus(-(f - mean r)) + softplus(r - mean f)

All of them read D's outputs as scores ("critic"), not as probability logits, so D(x)-based
diagnostics say "not applicable". Each recommends the optimiser settings of its paper.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlab.components import Loss
from ganlab.errors import GanlabError


class Wasserstein(Loss):
    """The critic's estimate of the Wasserstein-1 distance, which D maximises and G minimises."""

    output = "critic"

    def discriminator_loss(self, real_out, fake_out):
        return fake_out.mean() - real_out.mean()

    def generator_loss(self, fake_out, real_out=None):
        return -fake_out.mean()


class WGAN(Wasserstein):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017)."""

    # The paper's Algorithm 1: RMSProp, lr 5e-5, n_critic 5, clipping c = 0.01.
    recommended = {"train.optimizer": "rmsprop", "train.lr_g": 5e-5, "train.lr_d": 5e-5, "train.d_steps": 5}

    def __init__(self, clip: float = 0.01):
        if not clip > 0:
            raise GanlabError(f"loss.clip must be positive (the paper's is 0.01), got {clip}")
        self.clip = clip

    @torch.no_grad()
    def after_discriminator_step(self, discriminator):
        for p in discriminator.parameters():
            p.clamp_(-self.clip, self.clip)


class WGANGP(Wasserstein):
    """WGAN with gradient penalty on interpolates, lambda 10 (Gulrajani et al. 2017)."""

    # The paper's Algorithm 1: Adam lr 1e-4, betas (0, 0.9), n_critic 5.
    recommended = {"train.lr_g": 1e-4, "train.lr_d": 1e-4, "train.beta1": 0.0, "train.beta2": 0.9, "train.d_steps": 5}

    def __init__(self, gp_lambda: float = 10.0):
        if gp_lambda < 0:
            raise GanlabError(f"loss.gp_lambda must be >= 0 (the paper's is 10), got {gp_lambda}")
        self.gp_lambda = gp_lambda

    def penalty(self, discriminator, real, fake, generator=None):
        """lambda * E[(|grad_x^ D(x^)|_2 - 1)^2], x^ = e real + (1 - e) fake, e ~ U[0, 1] per sample."""
        eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, generator=generator)
        x = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
        (grad,) = torch.autograd.grad(discriminator(x).sum(), x, create_graph=True)
        return self.gp_lambda * (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


class Hinge(Wasserstein):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018)."""

    recommended = {"train.lr_g": 2e-4, "train.lr_d": 2e-4, "train.beta1": 0.0, "train.beta2": 0.9}

    def discriminator_loss(self, real_out, fake_out):
        return F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean()


class LSGAN(Loss):
    """Least squares GAN, a-b-c = 0-1-1 (Mao et al. 2017)."""

    output = "critic"

    def discriminator_loss(self, real_out, fake_out):
        return 0.5 * ((real_out - 1).pow(2).mean() + fake_out.pow(2).mean())

    def generator_loss(self, fake_out, real_out=None):
        return 0.5 * (fake_out - 1).pow(2).mean()


class RSGAN(Loss):
    """Relativistic standard GAN (Jolicoeur-Martineau 2018)."""

    output = "critic"
    needs_real_for_generator = True

    def discriminator_loss(self, real_out, fake_out):
        return F.softplus(-(real_out - fake_out)).mean()

    def generator_loss(self, fake_out, real_out=None):
        return F.softplus(-(fake_out - real_out)).mean()


class RaSGAN(Loss):
    """Relativistic average standard GAN (Jolicoeur-Martineau 2018)."""

    output = "critic"
    needs_real_for_generator = True

    def discriminator_loss(self, real_out, fake_out):
        return F.softplus(-(real_out - fake_out.mean())).mean() + F.softplus(fake_out - real_out.mean()).mean()

    def generator_loss(self, fake_out, real_out=None):
        return F.softplus(-(fake_out - real_out.mean())).mean() + F.softplus(real_out - fake_out.mean()).mean()
