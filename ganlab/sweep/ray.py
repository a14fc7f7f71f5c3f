"""The Ray backend: each run of a sweep is a Ray task on a cluster (``--backend ray``).

    executor = RayExecutor(address="10.0.0.5:6379", cpus_per_run=1, gpus_per_run=0.25, retries=3)
    jobs = run_jobs(jobs, Path("/shared/runs/sweep"), executor)

The planner is the sweep's own (``sweep.plan``): the same runs are skipped, resumed and named as
on the local backend. A task trains in its Ray worker process (``ganlab.train`` or, when the run
directory already holds the run, ``ganlab.resume``), so the run's lock, checkpoints and files
behave exactly as a local run's. Run directories must be on storage every node sees (a shared
filesystem path, as Ray Tune's ``storage_path``): every task first checks it can write there.

When the process or node running a task dies (preemption, an OOM kill), Ray retries the task
(``retries`` times); the retry finds the run's last checkpoint and resumes from it, with ganlab's
exact resume: metrics.jsonl loses what the checkpoint does not hold, so no step is counted twice.
A worker sent SIGTERM first checkpoints the step it is at, then exits (ganlab's ``Terminated``),
so its retry loses nothing.
A run that keeps failing is reported as failed with its error line; the rest go on. Ctrl-C
cancels the queued tasks and interrupts the running ones, each of which writes its summary
(status ``interrupted``); re-running the command continues.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from ganlab.errors import GanlabError
from ganlab.sweep.plan import Job


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise GanlabError("--backend ray needs Ray: pip install 'ganlab[ray]'") from None
    return ray


def run_task(run_dir: str, config: dict[str, Any], steps: int, threads: int) -> dict[str, Any]:
    """One run of a sweep, as a Ray task executes it: start it, or resume it from its last
    checkpoint (after a lost worker, too). Output goes to RUN/sweep.log."""
    import contextlib

    import torch

    import ganlab
    from ganlab.engine.stopping import Terminated
    from ganlab.resolve import resolve
    from ganlab.rundir import RunDir

    rd = RunDir(run_dir)
    host = socket.gethostname()
    try:
        rd.path.mkdir(parents=True, exist_ok=True)
        probe = rd.path / f".write-check-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise GanlabError(f"a worker on {host} cannot write {run_dir!r} ({exc.strerror}); run directories must be on "
                          "storage every node sees (a shared filesystem path)") from None  # fmt: skip
    torch.set_num_threads(max(1, threads))
    with (rd.path / "sweep.log").open("a") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        last = rd.read_checkpoint_index().get("last", {}).get("step") if rd.is_run() else None
        start = f", resuming from the checkpoint of step {last}" if last is not None else ""
        print(f"ganlab sweep: attempt on {host}, process {os.getpid()}{start}", flush=True)
        try:
            if rd.is_run():
                run = ganlab.resume(run_dir, steps=steps)
            else:
                run = ganlab.train(resolve(config), out=run_dir)
        except Terminated as exc:  # the worker was sent SIGTERM: the run is saved; the worker exits and Ray retries
            print(f"ganlab sweep: stopped by SIGTERM at step {exc.run.summary['step']}, with a checkpoint", flush=True)
            raise
    return {"status": run.summary["status"], "step": run.summary["step"]}


class RayExecutor:
    name = "ray"

    def __init__(self, address: str | None = None, cpus_per_run: float = 1.0, gpus_per_run: float = 0.0, retries: int = 3):
        if not cpus_per_run > 0:
            raise GanlabError(f"--cpus-per-run must be more than 0, got {cpus_per_run}")
        if gpus_per_run < 0:
            raise GanlabError(f"--gpus-per-run must be 0 or more (fractions share a GPU), got {gpus_per_run}")
        if retries < 0:
            raise GanlabError(f"--retries must be 0 or more, got {retries}")
        address = address or os.environ.get("RAY_ADDRESS") or None
        if address and address not in ("auto", "local") and not address.startswith("ray://"):
            _check_reachable(address)
            _use_token_if_present()  # before Ray is imported: it reads the mode then
        ray = _ray()
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                     ignore_reinit_error=True, **({} if address else {"num_cpus": os.cpu_count() or 1}))  # fmt: skip
        except Exception as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise GanlabError(f"cannot join the Ray cluster at {address or 'a new local cluster'}: {reason}") from None
        self.address = address or "a local cluster"
        resources = ray.cluster_resources()
        if gpus_per_run > 0 and resources.get("GPU", 0) < gpus_per_run:
            ray.shutdown()
            raise GanlabError(f"--gpus-per-run {gpus_per_run:g}: the Ray cluster ({self.address}) has "
                              f"{resources.get('GPU', 0):g} GPUs; drop the option, or add GPU nodes")  # fmt: skip
        if resources.get("CPU", 0) < cpus_per_run:
            ray.shutdown()
            raise GanlabError(f"--cpus-per-run {cpus_per_run:g}: the Ray cluster ({self.address}) has only {resources.get('CPU', 0):g} CPUs")
        self.ray, self.cpus, self.gpus, self.retries = ray, cpus_per_run, gpus_per_run, retries
        self.task = ray.remote(run_task).options(num_cpus=cpus_per_run, num_gpus=gpus_per_run, max_retries=retries,
                                                 retry_exceptions=False)  # fmt: skip
        self.capacity = 10**9  # Ray queues tasks by the resources they ask for

    def start(self, job: Job, out: Path) -> None:
        config = job.config.to_dict()
        config["log"] = {**config.get("log", {}), "progress": False, "quiet": True}
        job.handle = self.task.remote(str(job.dir), config, job.steps, max(1, int(self.cpus)))
        job.status, job.started, job.attempts = "running", time.time(), 1

    def finished(self, job: Job) -> bool:
        ready, _ = self.ray.wait([job.handle], timeout=0)
        return bool(ready)

    def failure(self, job: Job) -> str:
        """Why a task ended without a summary: its error line, or the lost workers."""
        ray = self.ray
        try:
            ray.get(job.handle)
            return "ended without a summary"
        except ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, GanlabError):
                return f"Error: {cause}"
            return f"{type(cause).__name__ if cause else 'error'}: {cause or exc}".splitlines()[0]
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError) as exc:
            return f"the worker running it died {self.retries + 1} times ({type(exc).__name__}); it resumes from its last checkpoint when the sweep is run again"
        except ray.exceptions.TaskCancelledError:
            return "cancelled"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}".splitlines()[0]

    def attempts(self, job: Job) -> int:
        try:
            return (job.dir / "sweep.log").read_text(errors="replace").count("ganlab sweep: attempt on ")
        except OSError:
            return job.attempts

    def interrupt(self, running: list[Job]) -> None:
        """Ctrl-C: queued tasks are cancelled; running ones get a KeyboardInterrupt, write their
        summary (interrupted) and stop; their last checkpoints stand."""
        refs = [j.handle for j in running]
        for ref in refs:
            self.ray.cancel(ref, force=False)
        self.ray.wait(refs, num_returns=len(refs), timeout=60)

    def close(self) -> None:
        self.ray.shutdown()


def _use_token_if_present() -> None:
    """Ray (2.59+) starts clusters with token authentication; ``ray.init(address="auto")`` then
    finds the token, an explicit address does not. Use the token the way "auto" does: when the
    user has not chosen RAY_AUTH_MODE and a token is configured (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH
    or ~/.ray/auth_token). It must run before ``import ray``."""
    if "RAY_AUTH_MODE" in os.environ or "ray" in sys.modules:
        return
    if os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH") or (Path.home() / ".ray" / "auth_token").is_file():
        os.environ["RAY_AUTH_MODE"] = "token"


def _check_reachable(address: str) -> None:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or address, int(port) if port.isdigit() else 6379), timeout=5):
            pass
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise GanlabError(f"cannot reach a Ray cluster at {address!r} ({reason}); start one with `ray start --head`, "
                          "or leave --address out for a local cluster") from None  # fmt: skip
