"""Samples from a generator, seeded apart from training; a run's generator loaded without a trainer.

    sampler = load_generator(run_dir, config, which="best")   # G only: no D, no data, no optimizer
    images = sampler.generate(64, seed=0)                      # (64, C, H, W) float32 on the CPU

Neither touches torch's global random state: building the architecture happens inside
``torch.random.fork_rng``, and noise comes from the sampler's own ``torch.Generator``. Sampling
from a notebook leaves the user's random stream as it was.
"""

from __future__ import annotations

from typing import Any

import torch

from ganlab.components import GAN
from ganlab.config import Config
from ganlab.errors import GanlabError
from ganlab.rundir import RunDir, checkpoint

EVAL_SEED_OFFSET = 1_000_003  # evaluations draw noise from seed + this, apart from training's stream


class Sampler:
    """Draws from ``generator`` (in eval mode) with noise from its own seeded generator."""

    def __init__(self, generator: torch.nn.Module, gan: GAN, device: torch.device, seed: int, step: int | None = None):
        self.G, self.gan, self.device, self.seed, self.step = generator, gan, device, seed, step

    @torch.no_grad()
    def generate(self, n: int, seed: int | None = None, batch: int = 1000) -> torch.Tensor:
        """n samples (n, *shape) on the CPU; noise seeded by ``seed`` (default: the run's seed +
        1,000,003, the evaluations' own stream)."""
        g = torch.Generator(device=self.device)
        g.manual_seed(self.seed + EVAL_SEED_OFFSET if seed is None else seed)
        was_training = self.G.training
        self.G.eval()
        try:
            out = [self.G(self.gan.latent(min(batch, n - i), g, self.device)).float().cpu() for i in range(0, n, batch)]
        finally:
            self.G.train(was_training)
        return torch.cat(out)


def checkpoint_for(rd: RunDir, which: str | int) -> Any:
    """The checkpoint file for ``last``, ``best`` or a step, with one-line errors."""
    index = rd.read_checkpoint_index()
    if which == "best":
        path = rd.checkpoint_path("best")
        if not path.is_file():
            reason = "it kept no best checkpoint (log.best = none, or no evaluation metric has a direction)"
            if not index:
                reason = "it was trained before ganlab kept best checkpoints (0.1)"
            raise GanlabError(f"{str(rd.path)!r} has no best checkpoint: {reason}; use --checkpoint last")
        return path
    if which == "last":
        if not rd.last_checkpoint.is_file():
            raise GanlabError(f"{str(rd.path)!r} has no checkpoint: the run stopped before saving one (`ganlab resume {rd.path}` trains it)")
        return rd.last_checkpoint
    step = int(which)
    for name in ("last", "best"):
        if (index.get(name) or {}).get("step") == step and rd.checkpoint_path(name).is_file():
            return rd.checkpoint_path(name)
    if rd.checkpoint_path(step).is_file():
        return rd.checkpoint_path(step)
    kept = sorted({*(index.get("snapshots") or []), *((index.get(k) or {}).get("step") for k in ("last", "best"))} - {None})
    raise GanlabError(f"{str(rd.path)!r} holds no checkpoint of step {step}; kept: {', '.join(map(str, kept)) or 'last only'}")


def load_generator(rd: RunDir, config: Config, which: str | int = "last", device: str = "cpu") -> Sampler:
    """The run's generator (its moving average, when it has one) from a checkpoint, in eval mode."""
    from ganlab.engine.build import create
    from ganlab.manager import get_manager

    path = checkpoint_for(rd, which)
    state = checkpoint.load(path, need=checkpoint.SAMPLE_KEYS)
    dev = torch.device(device)
    m = get_manager()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        shape = tuple(state["data_shape"]) if "data_shape" in state else _data_shape(config)
        options = {k: v for k, v in config.arch.options.items() if k != "spectral_norm" or "spectral_norm" in m.registry("architecture").get(config.arch.name).options()}
        gan = create(m, "architecture", config.arch.name, data_shape=shape, **options)
    weights = state.get("generator_ema") if config.train.ema > 0 and "generator_ema" in state else state["generator"]
    checkpoint.load_into(gan.generator, weights, "generator", path)
    G = gan.generator.to(dev).eval().requires_grad_(False)
    return Sampler(G, gan, dev, config.seed, step=int(state.get("step", 0)))


def _data_shape(config: Config) -> tuple[int, ...]:
    """The data shape of a run of ganlab 0.1 (its checkpoints do not record it): from the dataset."""
    from ganlab.engine.build import create
    from ganlab.manager import get_manager

    return tuple(create(get_manager(), "dataset", config.data.name, **config.data.options).shape)
