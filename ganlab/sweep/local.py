"""The local backend: each run of a sweep is a ``ganlab`` process on this machine.

    jobs = run_jobs(jobs, Path("runs/sweep"), LocalExecutor(workers=2))

Workers start as ``python -P -m ganlab ...``: ``-P`` keeps the current directory off the import
path, so a stray ``./evil.py`` (or a file named like a module) is never imported. Each run's
output goes to ``RUN/sweep.log``; threads are shared between workers (OMP_NUM_THREADS, unless the
user set it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ganlab.errors import GanlabError
from ganlab.sweep.plan import Job, command


class LocalExecutor:
    name = "local"

    def __init__(self, workers: int):
        if workers < 1:
            raise GanlabError(f"--workers must be at least 1, got {workers}")
        self.capacity = workers
        self.env = {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // workers)), **os.environ}

    def start(self, job: Job, out: Path) -> None:
        job.dir.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-P", "-m", "ganlab", *command(job, out)]
        with (job.dir / "sweep.log").open("ab") as log:
            job.handle = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=self.env, stdin=subprocess.DEVNULL)
        job.status, job.started, job.attempts = "running", time.time(), job.attempts + 1

    def finished(self, job: Job) -> bool:
        return job.handle.poll() is not None

    def failure(self, job: Job) -> str:
        """Why a run that wrote no summary failed: the last line of its sweep.log."""
        try:
            lines = (job.dir / "sweep.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return lines[-1] if lines else f"exited with status {job.handle.returncode}"

    def interrupt(self, running: list[Job]) -> None:
        """Ctrl-C or SIGTERM: every running run stops at its next step with a checkpoint. They are
        sent SIGTERM, which never escalates: a run that had the terminal's Ctrl-C already (the
        same process group) still finishes its step and checkpoints."""
        for job in running:
            job.handle.send_signal(signal.SIGTERM)
        for job in running:
            job.handle.wait()

    def close(self) -> None:
        pass
