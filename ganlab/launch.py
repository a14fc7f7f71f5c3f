"""``ganlab run --nproc N`` / ``ganlab resume --nproc N``: the same command in N processes per
machine, on one machine or several, through torch's elastic launcher (the API behind torchrun).

    ganlab run --arch dcgan --nproc 4                                   # this machine, 4 processes
    ganlab run --arch dcgan --nproc 4 --nnodes 2 --rdzv-endpoint head:29400 --out /shared/runs/x   # on each of 2 machines
    ganlab run --arch dcgan --nproc 4 --max-restarts 3 --out runs/x    # restart failed workers from the last checkpoint

On one machine the rendezvous is torchrun's ``--standalone``: a c10d store on a port the
operating system picks, so two launches never race for a port. Every process trains its shard of
the global batch and global rank 0 writes the run (ganlab.engine.distributed). When a worker dies
and ``--max-restarts`` allows, the agent restarts the whole group; a restarted ``ganlab run``
finds its run directory and continues it from the last checkpoint, as ``ganlab resume`` would.
Ctrl-C and SIGTERM reach every process (the agent forwards them and waits for them), so an
interrupted run's checkpoint is written before the agent returns; the exit status is 130 (143
for SIGTERM).
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
import click

from ganlab.errors import GanlabError

SHUTDOWN_SECONDS = 60  # how long the agent waits for workers to stop (and checkpoint) after Ctrl-C or SIGTERM


def command_args(ctx: click.Context, drop: tuple[str, ...] = ("nproc", "nnodes", "rdzv_endpoint", "max_restarts")) -> list[str]:
    """The command line that gives ``ctx``'s parsed parameters again, minus ``drop``."""
    args: list[str] = [ctx.info_name or ctx.command.name or ""]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.name in drop or value is None or value == () or value is False:
            continue
        if isinstance(param, click.Argument):
            args.append(str(value))
            continue
        flag = max(param.opts, key=len)
        for v in value if param.multiple else [value]:
            args += [flag] if v is True else [flag, str(v)]
    return args


def launch(nproc: int, args: list[str], nnodes: str = "1", rdzv_endpoint: str | None = None, max_restarts: int = 0,
           run_id: str | None = None) -> int:  # fmt: skip
    """Run ``ganlab ARGS`` in ``nproc`` processes on each of ``nnodes`` machines; returns the exit
    status (0, 130 interrupted, 143 stopped by SIGTERM, else the failing process's)."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    min_nodes, max_nodes = _nodes(nnodes)
    if max_nodes > 1 and not rdzv_endpoint:
        raise GanlabError("--nnodes above 1 needs --rdzv-endpoint HOST:PORT, the same on every machine (one of them)")
    if max_restarts < 0:
        raise GanlabError(f"--max-restarts must be 0 or more, got {max_restarts}")
    config = LaunchConfig(
        min_nodes=min_nodes,
        max_nodes=max_nodes,
        nproc_per_node=nproc,
        run_id=run_id or (str(uuid.uuid4()) if max_nodes == 1 else "ganlab"),
        rdzv_backend="c10d",
        rdzv_endpoint=rdzv_endpoint or "localhost:0",
        rdzv_configs={"is_host": True} if not rdzv_endpoint else {},
        max_restarts=max_restarts,
        monitor_interval=0.1,
        start_method="spawn",
        shutdown_timeout=SHUTDOWN_SECONDS,
    )
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))  # no oversubscription
    try:
        elastic_launch(config, sys.executable)("-P", "-m", "ganlab", *args)
    except SignalException as exc:  # the agent was stopped (Ctrl-C, SIGTERM) and stopped its workers the same way
        return 143 if exc.sigval == signal.SIGTERM else 130
    except ChildFailedError as exc:
        codes = {rank: failure.exitcode for rank, failure in exc.failures.items()}
        code = codes.get(0, next(iter(codes.values()), 1))
        return {-2: 130, -15: 143}.get(code, code if 0 < code < 256 else 1)
    return 0


def _nodes(text: str) -> tuple[int, int]:
    """``"2"`` -> (2, 2); ``"1:4"`` -> (1, 4) (elastic: from 1 to 4 machines)."""
    try:
        low, _, high = str(text).partition(":")
        a, b = int(low), int(high or low)
    except ValueError:
        raise GanlabError(f"--nnodes {text!r}: a number of machines, like 2, or a range like 1:4") from None
    if not 1 <= a <= b:
        raise GanlabError(f"--nnodes {text!r}: at least 1 machine, and a range low:high with low <= high")
    return a, b


def restarted() -> bool:
    """Whether this process is a restart of a failed worker group (torchelastic sets it)."""
    try:
        return int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")) > 0
    except ValueError:
        return False
