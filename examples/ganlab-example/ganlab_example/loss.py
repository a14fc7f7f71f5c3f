"""Non-saturating loss with one-sided label smoothing (Salimans et al. 2016, section 3.4)."""

import torch.nn.functional as F

from ganlab.components import Loss


class SmoothNonSaturating(Loss):
    """Non-saturating loss, real labels smoothed to 0.9 (Salimans et al. 2016)."""

    output = "probability"

    def __init__(self, real_label: float = 0.9):
        self.real_label = real_label

    def discriminator_loss(self, real_out, fake_out):
        # BCE(real, a) = a * softplus(-l) + (1 - a) * softplus(l); fake labels stay 0
        a = self.real_label
        return (a * F.softplus(-real_out) + (1 - a) * F.softplus(real_out)).mean() + F.softplus(fake_out).mean()

    def generator_loss(self, fake_out, real_out=None):
        return F.softplus(-fake_out).mean()
