"""``ganlab sweep``: expand a grid of options over seeds into run directories, run them in worker
processes, resume what was interrupted, skip what is done.

    jobs = expand(base_raw, {"arch.name": ["mlp"], "loss.name": ["minimax", "nonsat"], "seed": [0, 1]})
    results = run_jobs(jobs, Path("runs/sweep"), workers=2)

Each run is an ordinary ``ganlab run`` in its own process (a crash stays in its run), named after
what varies: ``loss=minimax,seed=0``. Its output goes to ``RUN/sweep.log``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ganlab import config as cfgmod
from ganlab.errors import GanlabError
from ganlab.rundir import RunDir

SHORT = {"arch.name": "arch", "loss.name": "loss", "data.name": "dataset", "reg.name": "reg"}


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
    name: str
    raw: dict[str, Any]
    config: Any = None  # the resolved ganlab.Config


def expand(base: dict[str, Any], axes: dict[str, list[Any]]) -> list[Job]:
    """Every combination of the axes' values over ``base``; names show only what varies."""
    from ganlab.api import resolve

    keys = list(axes)
    varying = [k for k in keys if len(axes[k]) > 1 or k == "seed"]
    jobs = []
    for combo in itertools.product(*(axes[k] for k in keys)):
        raw = base
        for k, v in zip(keys, combo):
            layer: dict[str, Any] = {}
            cfgmod.set_dotted(layer, k, v)
            raw = cfgmod.merge(raw, layer)
        name = ",".join(f"{SHORT.get(k, k)}={v}" for k, v in zip(keys, combo) if k in varying)
        jobs.append(Job(name.replace("/", "_"), raw, resolve(raw)))  # resolving now: mistakes surface before any run
    return jobs


@dataclass
class Result:
    job: Job
    dir: Path
    action: str  # "skipped" | "resumed" | "started"
    status: str = "queued"  # queued | running | completed | interrupted | diverged | failed
    error: str = ""
    step: int = 0
    seconds: float = 0.0
    proc: Any = field(default=None, repr=False)
    started: float = 0.0


def _differences(job: Job, rd: RunDir) -> list[str]:
    """Config keys where the run already in ``rd`` differs from the job (train.steps aside: a
    longer sweep extends its runs)."""
    from ganlab.compare import flatten

    old = flatten(cfgmod.read_toml(rd.config_path))
    new = flatten(job.config.to_dict())
    ignore = {"train.steps", "log.progress"}
    return sorted(k for k in set(old) | set(new) if k not in ignore and old.get(k) != new.get(k))


def plan(job: Job, out: Path) -> Result:
    rd = RunDir(out / job.name)
    if rd.is_run():
        diff = _differences(job, rd)
        if diff:
            raise GanlabError(
                f"{str(rd.path)!r} holds a run with a different config ({', '.join(diff[:4])}); "
                "sweep into another --out, or remove that run"
            )
    summary = rd.read_summary()
    steps = job.config.train.steps
    if summary and (summary["status"] == "diverged" or (summary["status"] == "completed" and summary["step"] >= steps)):
        return Result(job, rd.path, "skipped", summary["status"], summary.get("error", ""), summary["step"])
    if rd.is_run() and rd.last_checkpoint.is_file():
        return Result(job, rd.path, "resumed")
    if rd.path.exists():
        shutil.rmtree(rd.path)  # a run that never reached a checkpoint: start it again
    return Result(job, rd.path, "started")


def default_workers(device: str) -> int:
    if device.startswith("cuda") or (device == "auto" and _has_cuda()):
        return 1  # one GPU, shared sequentially
    return max(1, (os.cpu_count() or 1) // 2)


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _command(r: Result, out: Path) -> list[str]:
    if r.action == "resumed":
        return [sys.executable, "-m", "ganlab", "resume", str(r.dir), "--steps", str(r.job.config.train.steps)]
    cfg_file = out / ".sweep" / f"{r.job.name}.toml"
    cfg_file.parent.mkdir(parents=True, exist_ok=True)
    cfgmod.write_toml(cfg_file, r.job.config.to_dict())
    return [sys.executable, "-m", "ganlab", "run", "--config", str(cfg_file), "--out", str(r.dir), "--set", "log.progress=false"]


def _poll_step(r: Result) -> int:
    """The step of the last complete record in metrics.jsonl, reading only the file's tail (this
    runs several times a second for every running run)."""
    import json

    try:
        with RunDir(r.dir).metrics_path.open("rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 4096))
            lines = f.read().decode(errors="replace").splitlines()
    except FileNotFoundError:
        return r.step
    for line in reversed(lines):
        try:
            return int(json.loads(line)["step"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue  # a line cut short, or the first (partial) line of the tail
    return r.step


def run_jobs(jobs: list[Job], out: Path, workers: int, on_update: Callable[[list[Result]], None] | None = None) -> list[Result]:
    out.mkdir(parents=True, exist_ok=True)
    results = [plan(j, out) for j in jobs]  # may refuse before anything starts
    queue = [r for r in results if r.action != "skipped"]
    running: list[Result] = []
    # Share the cores between workers (unless the user chose: two sweeps side by side need it).
    env = {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // max(1, workers))), **os.environ}
    try:
        while queue or running:
            while queue and len(running) < workers:
                r = queue.pop(0)
                r.dir.mkdir(parents=True, exist_ok=True)
                log = (r.dir / "sweep.log").open("ab")
                r.proc = subprocess.Popen(_command(r, out), stdout=log, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
                log.close()
                r.status, r.started = "running", time.time()
                running.append(r)
            for r in list(running):
                r.step = _poll_step(r)
                if r.proc.poll() is None:
                    continue
                running.remove(r)
                r.seconds = time.time() - r.started
                _finish(r)
            if on_update:
                on_update(results)
            time.sleep(0.3)
    except KeyboardInterrupt:
        for r in running:
            r.proc.send_signal(2)  # each run checkpoints and records "interrupted"
        for r in running:
            r.proc.wait()
            _finish(r)
        raise
    return results


def _finish(r: Result) -> None:
    summary = RunDir(r.dir).read_summary()
    if summary is not None:
        r.status, r.step, r.error = summary["status"], summary["step"], summary.get("error", "")
        return
    r.status = "failed"
    lines = (r.dir / "sweep.log").read_text(errors="replace").strip().splitlines()
    r.error = lines[-1] if lines else f"exited with status {r.proc.returncode}"
