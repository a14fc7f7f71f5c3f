"""Two views of a run: ``Run``, a run directory read back, and ``RunInfo``, what lifecycle hooks
see while a run trains.

>>> from ganlab.run import Run
>>> run = Run.read("tests/data/mlp-ring8-v0.1")           # a run directory written by ganlab 0.1
>>> run.summary["status"], run.flat["arch.name"], len(run.metrics)
('completed', 'mlp', 6)
>>> run.sample(3, seed=0).shape                          # its generator, loaded without a trainer
torch.Size([3, 2])

``ganlab.train``, ``ganlab.resume`` and ``ganlab.load_run`` return a ``Run``; ``ganlab compare``
reads ``Run``s (config and summary only, so ten thousand of them read in seconds); everything
heavier (the resolved config, metrics, the generator) is loaded when first asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ganlab.config import Config

if TYPE_CHECKING:
    from ganlab.engine.sampler import Sampler


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"train": {"steps": 5}}`` -> ``{"train.steps": 5}``."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


@dataclass
class Run:
    """A run directory read back: its config, summary and metrics, and its generator."""

    dir: Path
    raw_config: dict[str, Any]  # config.toml as written
    summary: dict[str, Any] | None  # summary.json (None while a run is going, or if malformed)
    _config: Config | None = field(default=None, repr=False)
    _metrics: list[dict[str, Any]] | None = field(default=None, repr=False)
    _samplers: dict[Any, Sampler] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)  # what a reader noticed (truncated metrics lines)
    posthoc: dict[str, Any] = field(default_factory=dict, repr=False)  # `ganlab eval` results, "eval[best] fid/fid"

    @classmethod
    def read(cls, path: str | Path) -> Run:
        from ganlab.rundir import RunDir

        rd = RunDir(path)
        return cls(rd.path, rd.read_config(), rd.read_summary())

    @property
    def config(self) -> Config:
        """The resolved config (plugins loaded, every option checked)."""
        if self._config is None:
            from ganlab.resolve import resolve

            self._config = resolve(self.raw_config)
        return self._config

    @property
    def flat(self) -> dict[str, Any]:
        """config.toml flattened: ``{"arch.name": "mlp", "train.lr_g": 0.001, ...}``."""
        return flatten(self.raw_config)

    @property
    def status(self) -> str:
        return self.summary["status"] if self.summary else "running"

    @property
    def metrics(self) -> list[dict[str, Any]]:
        """metrics.jsonl's complete records, read once."""
        if self._metrics is None:
            from ganlab.rundir import RunDir

            self._metrics = RunDir(self.dir).read_metrics()
        return self._metrics

    def generator(self, checkpoint: str | int = "last") -> Sampler:
        """The generator of a checkpoint (``last``, ``best`` or a kept step), on the CPU."""
        if checkpoint not in self._samplers:
            from ganlab.engine.sampler import load_generator
            from ganlab.rundir import RunDir

            self._samplers[checkpoint] = load_generator(RunDir(self.dir), self.config, checkpoint)
        return self._samplers[checkpoint]

    def sample(self, n: int, seed: int = 0, checkpoint: str | int = "last") -> Any:
        """n samples, (n, *data_shape) on the CPU, from a checkpoint's generator (its moving
        average with ``train.ema``), noise seeded by ``seed``. Global random state is untouched."""
        return self.generator(checkpoint).generate(n, seed=seed)

    def real(self, n: int, seed: int = 0) -> Any:
        """n samples of the run's real data, (n, *data_shape), on the CPU."""
        import torch

        from ganlab.engine.build import create
        from ganlab.manager import get_manager

        with torch.random.fork_rng(devices=[]):
            dataset = create(get_manager(), "dataset", self.config.data.name, **self.config.data.options)
        return dataset.batch(n, torch.Generator().manual_seed(seed)).float().cpu()


@dataclass
class RunInfo:
    """A run as lifecycle hooks see it. ``state`` is a scratch dict plugins may share."""

    config: Config
    dir: Path  # the run directory
    start_step: int  # 0, or the checkpoint's step when resuming
    total_steps: int  # the step the run trains to
    device: str  # the torch device actually used, e.g. "cpu"
    data_kind: str  # "points" or "images"
    loss_output: str  # "probability" or "critic"
    data_shape: tuple[int, ...] = ()  # (D,) for points, (C, H, W) for images
    resumed: bool = False
    # generate(n, seed) -> (n, *data_shape) float32 CPU tensor from the current G (eval mode, no grad)
    generate: Callable[[int, int], Any] | None = field(default=None, repr=False)
    # real(n, seed) -> (n, *data_shape) float32 CPU tensor of real samples
    real: Callable[[int, int], Any] | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)  # one-line strings the dataset wants the user to know
    # files a plugin wrote that a person will want (label -> path); the terminal prints them at the end
    artifacts: dict[str, Path] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        c = self.config
        return f"{c.arch.name} · {c.loss.name} · {c.data.name} · seed {c.seed}"
