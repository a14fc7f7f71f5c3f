"""``ganlab run --nproc N`` / ``ganlab resume --nproc N``: the same command in N processes.

It sets, for each process, the variables torchrun sets (RANK, LOCAL_RANK, WORLD_SIZE,
MASTER_ADDR, MASTER_PORT), so ``ganlab run --nproc 2 ...`` and
``torchrun --standalone --nproc_per_node 2 -m ganlab run ...`` train the same run; this
launcher only adds clean exit statuses and messages. Every process trains its shard of the
global batch and rank 0 writes the run (see ganlab.distributed). Ctrl-C reaches every process
from the terminal; the launcher waits for them, so an interrupted run's checkpoint is written
before the prompt returns. If one process fails, the others get 30 s to notice (gloo raises
when a peer is gone, and rank 0 then records the run as failed) before they are terminated.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import click

GRACE_SECONDS = 30


def command_args(ctx: click.Context, drop: tuple[str, ...] = ("nproc",)) -> list[str]:
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(nproc: int, args: list[str]) -> int:
    """Run ``ganlab ARGS`` in ``nproc`` (>= 1, checked by the caller) processes on this machine;
    returns rank 0's exit status (or the first failure's, if rank 0 succeeded)."""
    base = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()),
                WORLD_SIZE=str(nproc), LOCAL_WORLD_SIZE=str(nproc))  # fmt: skip
    base.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))  # no oversubscription
    previous = signal.signal(signal.SIGINT, _ignore)  # a handler, not SIG_IGN: children do not inherit it
    try:
        procs = [
            subprocess.Popen([sys.executable, "-m", "ganlab", *args], env={**base, "RANK": str(r), "LOCAL_RANK": str(r)})
            for r in range(nproc)
        ]
        codes = _wait(procs)
    finally:
        signal.signal(signal.SIGINT, previous)
    return codes[0] or next((c for c in codes if c), 0)


def _wait(procs: list[subprocess.Popen]) -> list[int]:
    failed_at = None
    while True:
        codes = [p.poll() for p in procs]
        if all(c is not None for c in codes):
            return codes  # type: ignore[return-value]
        if failed_at is None and any(c not in (None, 0) for c in codes):
            failed_at = time.monotonic()
        if failed_at is not None and time.monotonic() - failed_at > GRACE_SECONDS:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            return [p.wait() for p in procs]
        time.sleep(0.05)


def _ignore(signum: int, frame: Any) -> None:
    pass
