"""The sweep's planner: the grid expanded into named jobs, and what each job needs.

>>> from ganlab.sweep.plan import expand, parse_seeds
>>> jobs = expand({}, {"loss.name": ["minimax", "nonsat"], "seed": parse_seeds("0-1")})
>>> [j.name for j in jobs]
['loss=minimax,seed=0', 'loss=minimax,seed=1', 'loss=nonsat,seed=0', 'loss=nonsat,seed=1']

Every executor (local processes, a Ray cluster) runs what this plans, so what a sweep skips,
resumes and extends, and how its runs are named, is the same on every backend. Planning never
deletes anything: a run that never reached a checkpoint is restarted by ``ganlab resume`` itself,
which removes only ganlab's own files.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganlab import config as cfgmod
from ganlab.errors import GanlabError
from ganlab.kinds import short_key
from ganlab.rundir import RunDir
from ganlab.run import flatten

# Keys a sweep may change in a run it already holds: it extends runs to more steps.
_MAY_DIFFER = {"train.steps", "log.progress", "log.quiet"}


def parse_seeds(text: str) -> list[int]:
    """``"0-4"`` -> [0, 1, 2, 3, 4]; ``"0,3,7"``; ``"2"``."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            a, sep, b = part.strip().partition("-")
            seeds += list(range(int(a), int(b) + 1)) if sep else [int(a)]
    except ValueError:
        raise GanlabError(f"--seeds {text!r}: use a range like 0-4, a list like 0,3,7, or one seed") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise GanlabError(f"--seeds {text!r} names no seeds, or one twice")
    return seeds


def split_values(text: str) -> list[Any]:
    """A sweep value list: ``"1e-3,2e-4"`` -> [0.001, 0.0002]. Brackets and quotes keep commas."""
    if text.strip().startswith(("[", '"', "'")):
        return [cfgmod.parse_value(text)]
    return [cfgmod.parse_value(v.strip()) for v in text.split(",")]


@dataclass
class Job:
    """One run of a sweep: its name, its config, and (once planned and run) what became of it."""

    name: str
    raw: dict[str, Any]
    config: Any = None  # the resolved ganlab.Config
    dir: Path = Path()
    action: str = "started"  # started | resumed | skipped
    status: str = "queued"  # queued | running | completed | interrupted | diverged | failed
    error: str = ""
    step: int = 0
    seconds: float = 0.0
    attempts: int = 0  # executions so far (a lost worker's run is retried)
    started: float = 0.0
    handle: Any = field(default=None, repr=False)  # the executor's own (a process, a Ray task)

    @property
    def steps(self) -> int:
        return self.config.train.steps


def expand(base: dict[str, Any], axes: dict[str, list[Any]]) -> list[Job]:
    """Every combination of the axes' values over ``base``; names show only what varies."""
    from ganlab.resolve import resolve

    keys = list(axes)
    varying = [k for k in keys if len(axes[k]) > 1 or k == "seed"]
    jobs = []
    for combo in itertools.product(*(axes[k] for k in keys)):
        raw = base
        for k, v in zip(keys, combo):
            layer: dict[str, Any] = {}
            cfgmod.set_dotted(layer, k, v)
            raw = cfgmod.merge(raw, layer)
        name = ",".join(f"{short_key(k)}={v}" for k, v in zip(keys, combo) if k in varying)
        jobs.append(Job(name.replace("/", "_"), raw, resolve(raw)))  # resolving now: mistakes surface before any run
    return jobs


def differences(job: Job, rd: RunDir) -> list[str]:
    """Config keys where the run already in ``rd`` differs from the job (its length aside: a
    longer sweep extends its runs)."""
    old = flatten(rd.read_config())
    new = flatten(job.config.to_dict())
    return sorted(k for k in set(old) | set(new) if k not in _MAY_DIFFER and old.get(k) != new.get(k))


def plan(job: Job, out: Path) -> Job:
    """Decide what ``job`` needs, from what its directory already holds."""
    rd = RunDir(out / job.name)
    job.dir = rd.path
    if rd.is_run():
        diff = differences(job, rd)
        if diff:
            raise GanlabError(
                f"{str(rd.path)!r} holds a run with a different config ({', '.join(diff[:4])}); "
                "sweep into another --out, or remove that run"
            )
        summary = rd.read_summary()
        if summary and (summary["status"] == "diverged" or (summary["status"] == "completed" and summary["step"] >= job.steps)):
            job.action, job.status, job.error, job.step = "skipped", summary["status"], summary.get("error", ""), summary["step"]
            return job
        job.action = "resumed"  # from its last checkpoint, or from step 0 if it never saved one
        return job
    job.action = "started"
    return job


def command(job: Job, out: Path) -> list[str]:
    """The ``ganlab`` arguments that carry a job to its steps: resume an existing run, else start
    one from the job's resolved config (written under OUT/.sweep/)."""
    if RunDir(job.dir).is_run():
        return ["resume", str(job.dir), "--steps", str(job.steps)]
    cfg_file = out / ".sweep" / f"{job.name}.toml"
    _write_config(cfg_file, job.config.to_dict())
    return ["run", "--config", str(cfg_file), "--out", str(job.dir), "--set", "log.progress=false"]


def _write_config(path: Path, data: dict[str, Any]) -> None:
    from ganlab.rundir.files import write_toml

    path.parent.mkdir(parents=True, exist_ok=True)
    write_toml(path, data)
