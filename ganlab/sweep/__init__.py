"""``ganlab sweep``: a grid of options over seeds, run by an executor, resumable and extendable.

    jobs = expand(base_raw, {"loss.name": ["minimax", "nonsat"], "seed": [0, 1]})   # sweep.plan
    jobs = run_jobs(jobs, Path("runs/sweep"), LocalExecutor(workers=2))           # sweep.local

One planner (``sweep.plan``), several executors: local processes (``sweep.local``) and a Ray
cluster (``sweep.ray``). The sweep owns its output directory while it runs
(``OUT/.sweep.lock``); each run owns its own directory.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from ganlab.engine.stopping import Terminated, sigterm_requests
from ganlab.rundir import RunDir
from ganlab.rundir.lock import RunLock
from ganlab.sweep.plan import Job, expand, parse_seeds, plan, split_values

__all__ = ["Job", "expand", "parse_seeds", "plan", "split_values", "run_jobs", "poll_step"]


def claim(out: Path) -> RunLock:
    """Own a sweep's output directory (making it) for the life of the sweep."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from ganlab.errors import GanlabError

        raise GanlabError(f"cannot make the sweep's directory {str(out)!r}: {exc.strerror}") from None
    return RunLock(out / ".sweep.lock", "ganlab sweep").acquire()


def run_jobs(jobs: list[Job], out: Path, executor: Any, on_update: Callable[[list[Job]], None] | None = None,
             lock: RunLock | None = None) -> list[Job]:  # fmt: skip
    """Plan every job, run those that need it with ``executor``, and return them all. Pass the
    ``lock`` of :func:`claim` if the caller already owns ``out``."""
    lock = lock or claim(out)
    try:
        for job in jobs:
            plan(job, out)  # may refuse before anything starts
        queue = [j for j in jobs if j.action != "skipped"]
        running: list[Job] = []
        # SIGTERM (kill, scancel, a pod's stop) stops the runs as Ctrl-C does; the handler stays
        # while they stop, so a second one cannot kill the sweep before it has recorded them.
        with sigterm_requests() as term:
            try:
                while queue or running:
                    if term.requested:
                        raise Terminated
                    while queue and len(running) < executor.capacity:
                        job = queue.pop(0)
                        executor.start(job, out)
                        running.append(job)
                    for job in list(running):
                        job.step = poll_step(job)
                        if executor.finished(job):
                            running.remove(job)
                            finish(job, executor)
                    if on_update:
                        on_update(jobs)
                    time.sleep(0.3)
            except (KeyboardInterrupt, Terminated):
                executor.interrupt(running)
                for job in running:
                    finish(job, executor)
                    if job.status == "failed" and RunDir(job.dir).read_summary() is None:
                        job.status, job.error = "interrupted", "stopped before it wrote a summary"  # still starting up
                raise
            finally:
                executor.close()
    finally:
        lock.release()
    return jobs


def finish(job: Job, executor: Any) -> None:
    job.seconds = time.time() - job.started
    if hasattr(executor, "attempts"):
        job.attempts = executor.attempts(job)
    summary = RunDir(job.dir).read_summary()
    if summary is not None:
        job.status, job.step, job.error = summary["status"], summary["step"], summary.get("error", "")
        return
    job.status, job.error = "failed", executor.failure(job)


def poll_step(job: Job) -> int:
    """The step of the last complete record in metrics.jsonl, reading only the file's tail (this
    runs several times a second for every running run)."""
    try:
        with RunDir(job.dir).metrics_path.open("rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 4096))
            lines = f.read().decode(errors="replace").splitlines()
    except (FileNotFoundError, IsADirectoryError):
        return job.step
    for line in reversed(lines):
        try:
            return int(json.loads(line)["step"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue  # a line cut short, or the first (partial) line of the tail
    return job.step
