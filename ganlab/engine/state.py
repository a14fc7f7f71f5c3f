"""Everything a checkpoint captures: G, D, their optimizers, the moving average of G, the step,
and every random number generator training draws from.

    state = TrainState(parts, fast)
    state.step, state.G, state.opt_d, state.rng
    checkpoint = state.state_dict()        # what checkpoints/last.pt holds (with the trainer's extras)
    state.load_state_dict(checkpoint)      # exact resume: the same numbers as a straight run

One ``torch.Generator`` (``rng``) draws all data and noise, so the checkpoint holds all of
training's randomness; torch's global generator (model initialisation, and any component that
uses it) is saved too.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch

from ganlab.engine.build import Parts
from ganlab.engine.fastpath import FastPath
from ganlab.rundir import checkpoint


class TrainState:
    def __init__(self, parts: Parts, fast: FastPath):
        t = parts.config.train
        self.device = parts.device
        self.G = fast.prepare_module(parts.gan.generator.to(parts.device))
        self.D = fast.prepare_module(parts.gan.discriminator.to(parts.device))
        self.opt_g = _optimizer(self.G, t, t.lr_g, fast)
        self.opt_d = _optimizer(self.D, t, t.lr_d, fast)
        # An exponential moving average of G's weights (train.ema), used for samples and evaluation.
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False) if t.ema > 0 else None
        self.ema = t.ema
        self.rng = torch.Generator(device=parts.device)
        self.rng.manual_seed(parts.config.seed)
        self.step = 0
        self.train_seconds = 0.0  # wall time in training steps over every session, up to the last save

    @property
    def sampling_generator(self) -> torch.nn.Module:
        """The generator samples come from: the moving average when there is one."""
        return self.G_ema if self.G_ema is not None else self.G

    @torch.no_grad()
    def update_ema(self) -> None:
        if self.G_ema is None:
            return
        ema, live = list(self.G_ema.parameters()), list(self.G.parameters())
        torch._foreach_lerp_(ema, live, 1 - self.ema)  # ema <- decay * ema + (1 - decay) * live
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)  # BatchNorm statistics are copied from the live generator, not averaged

    def state_dict(self) -> dict[str, Any]:
        rng = {"torch": torch.get_rng_state(), "data": self.rng.get_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {
            "step": self.step,
            "train_seconds": self.train_seconds,
            "generator": self.G.state_dict(),
            **({"generator_ema": self.G_ema.state_dict()} if self.G_ema is not None else {}),
            "discriminator": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "rng": rng,
        }

    def load_state_dict(self, state: dict[str, Any], path: Path) -> None:
        """Restore a checkpoint read from ``path``; a checkpoint that does not fit is one line."""
        checkpoint.load_into(self.G, state["generator"], "generator", path)
        checkpoint.load_into(self.D, state["discriminator"], "discriminator", path)
        if self.G_ema is not None:
            checkpoint.load_into(self.G_ema, state.get("generator_ema", state["generator"]), "generator", path)
        checkpoint.load_into(self.opt_g, state["opt_g"], "generator's optimizer", path)
        checkpoint.load_into(self.opt_d, state["opt_d"], "discriminator's optimizer", path)
        rng = state["rng"]
        try:
            torch.set_rng_state(rng["torch"])
            self.rng.set_state(rng["data"])
            if "cuda" in rng and self.device.type == "cuda":
                torch.cuda.set_rng_state(rng["cuda"], self.device)
        except (KeyError, TypeError, RuntimeError) as exc:
            from ganlab.errors import GanlabError

            raise GanlabError(f"checkpoint {str(path)!r} has a malformed random state ({type(exc).__name__})") from None
        self.step = int(state["step"])
        self.train_seconds = float(state.get("train_seconds", 0.0))


def _optimizer(module: torch.nn.Module, t: Any, lr: float, fast: FastPath) -> torch.optim.Optimizer:
    if t.optimizer == "rmsprop":
        return torch.optim.RMSprop(module.parameters(), lr=lr, **fast.optimizer_options("rmsprop"))
    return torch.optim.Adam(module.parameters(), lr=lr, betas=(t.beta1, t.beta2), **fast.optimizer_options("adam"))
