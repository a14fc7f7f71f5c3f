"""Unrolled GAN (Metz, Poole, Pfau & Sohl-Dickstein 2017): the generator's loss taken through k
look-ahead updates of the discriminator, differentiating through them.

    unroller = Unroller(D, opt_d, loss, k=5)
    loss_g = unroller.generator_loss(real, fake)     # fake keeps its graph to G
    loss_g.backward()                                # G's gradient flows through all k updates

As in the authors' own notebook (poolio/unrolled_gan): each look-ahead update is D's optimizer's
own rule (Adam's, with its moment estimates carried over from the real optimizer; or RMSProp's)
applied to the loss's discriminator objective on the same real batch and the same generated
samples; G's loss is then the loss's generator objective under the look-ahead D. The look-ahead
never changes D itself: D's real updates are the ``d_steps`` before it. Penalties (WGAN-GP, R1)
and a loss's ``after_discriminator_step`` (WGAN's weight clipping) are not part of the look-ahead
objective, as in the paper's surrogate.

The look-ahead runs D through ``torch.func.functional_call`` on copies of its buffers, so
BatchNorm statistics and spectral-norm vectors of the real D are untouched. In several processes
each look-ahead gradient is averaged over the ranks by a differentiable all-reduce, so the
look-ahead is the one a single process takes on the global batch, and G's gradient through it too.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.func import functional_call

from ganlab.components import Loss, member
from ganlab.engine.distributed import World, mean_differentiable


class Unroller:
    def __init__(self, D: torch.nn.Module, opt: torch.optim.Optimizer, loss: Loss, k: int, world: World | None = None):
        self.D, self.opt, self.loss, self.k, self.world = D, opt, loss, k, world or World()
        self.needs_real = member(loss, "needs_real_for_generator", Loss)
        self.rule = "rmsprop" if isinstance(opt, torch.optim.RMSprop) else "adam"

    def generator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        names = [n for n, _ in self.D.named_parameters()]
        params = list(self.D.parameters())
        theta = [p.detach().requires_grad_(True) for p in params]  # the look-ahead starts at D's weights
        buffers = {n: b.clone() for n, b in self.D.named_buffers()}
        moments = self._moments(params)
        group = self.opt.param_groups[0]
        for _ in range(self.k):
            weights = {**buffers, **dict(zip(names, theta))}
            out_r = _out(functional_call(self.D, weights, (real,)))
            out_f = _out(functional_call(self.D, weights, (fake,)))  # not detached: G sees through it
            grads = torch.autograd.grad(self.loss.discriminator_loss(out_r, out_f), theta, create_graph=True, allow_unused=True)
            grads = [g if g is not None else torch.zeros_like(t) for g, t in zip(grads, theta)]
            grads = mean_differentiable(grads, self.world)  # several processes: the global batch's gradient
            theta, moments = self._update(theta, grads, moments, group)
        weights = {**buffers, **dict(zip(names, theta))}
        g_out = _out(functional_call(self.D, weights, (fake,)))
        real_out = _out(functional_call(self.D, weights, (real,))) if self.needs_real else None
        return self.loss.generator_loss(g_out, real_out)

    def _moments(self, params: list[torch.Tensor]) -> dict[str, Any]:
        """The optimizer's running statistics for D's parameters (zeros before its first step)."""
        state = [self.opt.state.get(p, {}) for p in params]
        if self.rule == "rmsprop":
            return {"v": [s.get("square_avg", torch.zeros_like(p)).detach() for s, p in zip(state, params)]}
        return {
            "m": [s.get("exp_avg", torch.zeros_like(p)).detach() for s, p in zip(state, params)],
            "v": [s.get("exp_avg_sq", torch.zeros_like(p)).detach() for s, p in zip(state, params)],
            "t": [float(s.get("step", 0)) for s in state],
        }

    def _update(self, theta: list, grads: list, mo: dict[str, Any], group: dict[str, Any]) -> tuple[list, dict[str, Any]]:
        """One differentiable step of D's optimizer rule (no weight decay, no momentum)."""
        lr, eps = group["lr"], group["eps"]
        if self.rule == "rmsprop":
            alpha = group["alpha"]
            v = [alpha * v + (1 - alpha) * g * g for v, g in zip(mo["v"], grads)]
            return [t - lr * g / (vv.clamp_min(1e-30).sqrt() + eps) for t, g, vv in zip(theta, grads, v)], {"v": v}
        b1, b2 = group["betas"]
        m = [b1 * m + (1 - b1) * g for m, g in zip(mo["m"], grads)]
        v = [b2 * v + (1 - b2) * g * g for v, g in zip(mo["v"], grads)]
        steps = [t + 1 for t in mo["t"]]
        new = [
            th - lr * (mm / (1 - b1**s)) / ((vv / (1 - b2**s)).clamp_min(1e-30).sqrt() + eps)
            for th, mm, vv, s in zip(theta, m, v, steps)
        ]
        return new, {"m": m, "v": v, "t": steps}


def _out(x: torch.Tensor) -> torch.Tensor:
    """D's outputs in at least single precision (bf16 under autocast becomes fp32; fp64 stays)."""
    return x if x.dtype == torch.float64 else x.float()
