"""One training step: ``train.d_steps`` discriminator updates, then one generator update.

    step = AdversarialStep(parts, state, fast)
    stats = step(index, want_stats=True)      # device tensors [loss_d, loss_g, D(x), D(G(z))]

Goodfellow et al. 2014, Algorithm 1, with the later refinements as switches:

  1. ``d_steps`` times: D sees a real batch (label 1) and a generated batch (label 0) and takes an
     optimizer step on the loss's discriminator objective, plus the loss's own penalty (WGAN-GP)
     and the regularizer's (R1/R2); then the loss may act on D's weights (WGAN's clipping).
     With ``train.pack = m`` D judges packs of m samples, all real or all generated (PacGAN).
  2. G takes a step on the loss's generator objective, through D, on the last generated batch
     (one G forward per step, as PyTorch's DCGAN example does). D's weights are frozen for it.
     With ``train.unroll = k`` G's loss goes through k look-ahead updates of D (Unrolled GAN,
     Metz et al. 2017; ganlab.engine.unroll). With ``train.ema`` a moving average of G follows.

Nothing here reads a value back from the device: statistics come back as tensors, read once per
logging point by the trainer.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ganlab.components import Dataset, Loss, Regularizer, member
from ganlab.engine import distributed
from ganlab.engine.build import Parts
from ganlab.engine.fastpath import FastPath
from ganlab.engine.state import TrainState
from ganlab.engine.unroll import Unroller
from ganlab.errors import GanlabError


class AdversarialStep:
    def __init__(self, parts: Parts, state: TrainState, fast: FastPath):
        c, world, device = parts.config, parts.world, parts.device
        self.state, self.fast, self.config = state, fast, c
        self.loss, self.dataset, self.gan = parts.loss, parts.dataset, parts.gan
        self.components = parts.components
        # What the step calls: G and D, in DistributedDataParallel with several processes, then
        # torch.compile'd with perf.compile. The generator step goes through D's own module (D
        # frozen: nothing of D's to synchronise); penalties use it too (compile has no double backward).
        distributed.init(world, device)
        self.G = fast.compiled(distributed.wrap(state.G, world, device))
        self.D = fast.compiled(distributed.wrap(state.D, world, device))
        self.D_frozen = self.D if not world.active else fast.compiled(state.D)
        self.shard = world.shard(c.train.batch_size) if world.active else None
        self.draw_shard = member(self.dataset, "batch_shard", Dataset)
        # Optional parts of the loss and the regularizer (their base classes' defaults add nothing).
        self.loss_penalty = member(self.loss, "penalty", Loss)
        self.after_d_step = member(self.loss, "after_discriminator_step", Loss)
        self.reg_penalty = member(parts.regularizer, "penalty", Regularizer)
        self.needs_real = member(self.loss, "needs_real_for_generator", Loss)
        self.probabilities = member(self.loss, "output", Loss) == "probability"
        self.unroller = Unroller(state.D, state.opt_d, self.loss, c.train.unroll, world) if c.train.unroll else None
        self.scheduled = c.train.lr_schedule != "constant"
        self.checked = False  # shapes are checked on the first step

    def __call__(self, index: int, want_stats: bool = False) -> list[torch.Tensor] | None:
        """Step ``index`` (0-based): one generator update after ``d_steps`` discriminator updates.
        Returns device tensors [loss_d, loss_g, (D(x), D(G(z)))] when ``want_stats``."""
        s, loss, n = self.state, self.loss, self.config.train.batch_size
        G, D, amp = self.G, self.D, self.fast.autocast
        d_steps = self.config.train.d_steps
        if self.scheduled:
            self.set_lr(index)
        for i in range(d_steps):
            real, z = self.batches(n)
            with amp():
                if i == d_steps - 1:
                    fake = G(z)  # kept with its graph for the generator step
                else:
                    with torch.no_grad():
                        fake = G(z)
                if not self.checked:
                    self.check_shapes(real, fake)
                real_out, fake_out = D(real).float(), D(fake.detach()).float()  # (B,), (B,); (B/m,) packed
                loss_d = loss.discriminator_loss(real_out, fake_out)
                objective = loss_d
                term = self.loss_penalty(s.D, real, fake, generator=s.rng)  # WGAN-GP's gradient penalty
                if term is not None:
                    objective = objective + term
                term = self.reg_penalty(s.D, real, fake, s.step)  # R1/R2, lazily every reg.every steps
                if term is not None:
                    objective = objective + term
            s.opt_d.zero_grad(set_to_none=True)
            objective.backward()
            s.opt_d.step()
            self.after_d_step(s.D)  # WGAN's weight clipping
        # D's weights need no gradient in the generator step; skipping them saves a third of D's backward.
        s.D.requires_grad_(False)
        with amp():
            if self.unroller is not None:
                loss_g = self.unroller.generator_loss(real, fake)
            else:
                g_out = self.D_frozen(fake).float()
                real_for_g = self.D_frozen(real).float() if self.needs_real else None
                loss_g = loss.generator_loss(g_out, real_for_g)
        s.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        s.opt_g.step()
        s.D.requires_grad_(True)
        s.update_ema()
        if not want_stats:
            return None
        stats = [loss_d.detach(), loss_g.detach()]
        if self.probabilities:
            stats += [torch.sigmoid(real_out.detach()).mean(), torch.sigmoid(fake_out.detach()).mean()]
        return stats

    def batches(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A real batch and noise: the global batch's, or this rank's rows of it (drawn from the
        shared stream, so every rank's random state stays the same)."""
        rng, part = self.state.rng, self.shard
        real = self.dataset.batch(n, rng) if part is None else self.draw_shard(n, rng, part)  # (B, *shape)
        z = self.gan.latent(n, rng, self.state.device)  # (B, latent)
        return self.fast.prepare_batch(real), (z if part is None else z[part])

    def check_shapes(self, real: torch.Tensor, fake: torch.Tensor) -> None:
        """The dataset's batches and G's samples have the shape the dataset declares (checked once,
        before any update, so a mismatch is one line naming the component, not a matmul error)."""
        shape = tuple(self.dataset.shape)
        data, arch = self.components.get("data", {}), self.components.get("arch", {})
        if tuple(real.shape[1:]) != shape:
            raise GanlabError(f"dataset {data.get('name')!r} (plugin {data.get('plugin')!r}) declares samples of shape "
                              f"{shape} but its batch(n) gave {tuple(real.shape)}; they must be (n, *shape)")  # fmt: skip
        if tuple(fake.shape[1:]) != shape:
            raise GanlabError(f"architecture {arch.get('name')!r} (plugin {arch.get('plugin')!r}): its generator gives "
                              f"{tuple(fake.shape[1:])}, but the data are {shape}")  # fmt: skip
        self.checked = True

    def set_lr(self, index: int) -> None:
        """Learning rates for step ``index``, from ``train.lr_schedule`` (a pure function of the
        step, so nothing extra needs checkpointing)."""
        t = self.config.train
        frac = index / t.steps
        scale = {"linear": 1 - frac, "cosine": 0.5 * (1 + math.cos(math.pi * frac))}[t.lr_schedule]
        for opt, lr in ((self.state.opt_g, t.lr_g), (self.state.opt_d, t.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * scale


def grad_norm(module: torch.nn.Module, device: Any) -> torch.Tensor:
    """The global L2 norm of a module's gradients (0 when it has none), on the device."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros((), device=device)
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
