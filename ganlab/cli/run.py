"""``ganlab run`` and ``ganlab resume``."""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

import click

from ganlab.errors import GanlabError


def _ended(train: Callable[[], Any]) -> Any:
    """The run ``train()`` returns; one that SIGTERM stopped comes back inside ``Terminated``."""
    from ganlab.engine.stopping import Terminated

    try:
        return train()
    except Terminated as exc:
        if exc.run is None:
            raise
        return exc.run


def _finish(result: Any) -> None:
    """Exit status from the run's status: 0 completed, 1 diverged/failed, 130 interrupted by
    Ctrl-C, 143 by SIGTERM (the shell's 128 + the signal's number)."""
    main = os.environ.get("RANK", "0") == "0"  # with several processes, rank 0 speaks for the run
    for note in result.notes if main else ():
        click.echo(f"{result.dir}: {note}")
    s = result.summary
    if s["status"] == "completed":
        return
    if s["status"] == "interrupted":
        by = " by SIGTERM" if s.get("stopped_by") == "SIGTERM" else ""
        if main:
            click.echo(f"interrupted{by} at step {s['step']}; `ganlab resume {result.dir}` continues it", err=True)
        sys.exit(143 if by else 130)
    where = f" (traceback in {result.dir / 'error.log'})" if s["status"] == "failed" else ""
    raise click.ClickException(f"run {s['status']} at step {s['step']}: {s.get('error', '')}{where}")


@click.command()
@click.option("--arch", help="Architecture name (`ganlab list archs`). Default: mlp.")
@click.option("--loss", help="Loss name (`ganlab list losses`). Default: nonsat.")
@click.option("--dataset", help="Dataset name (`ganlab list datasets`). Default: ring8.")
@click.option("--reg", help="Discriminator regularizer (`ganlab list regularizers`): r1, r2. Default: none.")
@click.option("--steps", type=int, help="Generator updates to train for.")
@click.option("--batch-size", type=int, help="Samples per batch.")
@click.option("--seed", type=int, help="Seed for every random number generator.")
@click.option("--device", help="auto, cpu, cuda or cuda:N.")
@click.option("--diag", "diags", multiple=True, help="A diagnostic to run (repeatable; default: auto).")
@click.option("--out", type=click.Path(file_okay=False), help="The run directory itself.")
@click.option("--name", help="Run directory name under runs/ (ignored with --out).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A TOML config (see configs/).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Any config key, e.g. train.lr_g=2e-4 (repeatable).")
@click.option("--nproc", type=int, help="Train data-parallel in N processes per machine (one per GPU; gloo on CPU). The batch is global.")
@click.option("--nnodes", help="Machines to span (or a range MIN:MAX); every one runs this command. Default 1.")
@click.option("--rdzv-endpoint", help="HOST:PORT where the machines meet (torchrun's c10d rendezvous); with --nnodes.")
@click.option("--max-restarts", type=int, help="Restart the process group this often when a process dies; it continues from the last checkpoint.")
def run(arch, loss, dataset, reg, steps, batch_size, seed, device, diags, out, name, config_file, sets, nproc, nnodes, rdzv_endpoint,
        max_restarts) -> None:  # fmt: skip
    """Train a GAN. With no options: the MLP GAN on ring8 with the non-saturating loss.

    Precedence: built-in defaults < the components' recommended defaults < --config file <
    --set < the named flags.
    """
    from ganlab import api

    flags = {
        "arch.name": arch,
        "loss.name": loss,
        "data.name": dataset,
        "reg.name": reg,
        "train.steps": steps,
        "train.batch_size": batch_size,
        "seed": seed,
        "device": device,
        "diagnostics": list(diags) or None,
    }
    cfg = api.load_config(config_file, overrides=flags, sets=sets)
    if name is not None and ("/" in name or name in ("", ".", "..")):
        raise GanlabError(f"--name {name!r} must be a plain directory name; use --out for a path")
    if (nnodes not in (None, "1") or max_restarts) and out is None:
        raise GanlabError("--nnodes and --max-restarts need --out: every machine, and every restart, must find the same run directory")
    if _launched(nproc, cfg, nnodes, rdzv_endpoint, max_restarts):
        return
    from ganlab.launch import restarted
    from ganlab.rundir import RunDir

    if restarted() and out is not None and RunDir(out).is_run():  # a restart after a process died: continue
        _finish(_ended(lambda: api.resume(out, steps=cfg.train.steps)))
        return
    _finish(_ended(lambda: api.train(cfg, out=out, name=name)))


def _launched(nproc: int | None, cfg: Any, nnodes: str | None = None, rdzv_endpoint: str | None = None,
              max_restarts: int | None = None) -> bool:  # fmt: skip
    """With --nproc, --nnodes or --max-restarts, run this same command in N processes per machine
    (ganlab.launch) and exit with their status. Mistakes in the config are caught here first, once."""
    if (nproc is None or nproc == 1) and nnodes in (None, "1") and not max_restarts and not rdzv_endpoint:
        return False
    from ganlab import launch
    from ganlab.engine import distributed
    from ganlab.engine.devices import resolve_device

    nproc = 1 if nproc is None else nproc
    if nproc < 1:
        raise GanlabError(f"--nproc must be at least 1, got {nproc}")
    if "WORLD_SIZE" in os.environ:
        raise GanlabError("--nproc inside torchrun: leave --nproc out, torchrun already started the processes")
    low, high = launch._nodes(nnodes or "1")
    for size in {nproc * low, nproc * high}:
        world = distributed.World(0, size)
        distributed.check_batch(cfg.train.batch_size, world, cfg.train.pack)
        resolve_device(cfg.device, world)
    code = launch.launch(nproc, launch.command_args(click.get_current_context()), nnodes or "1", rdzv_endpoint, max_restarts or 0)
    if code:
        sys.exit(code)
    return True


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--steps", type=int, help="Train to this step (default: the run's configured steps).")
@click.option("--nproc", type=int, help="Continue in N processes per machine (any N dividing the batch, whatever the run was trained on).")
@click.option("--nnodes", help="Machines to span (or MIN:MAX); every one runs this command. Default 1.")
@click.option("--rdzv-endpoint", help="HOST:PORT where the machines meet; with --nnodes.")
@click.option("--max-restarts", type=int, help="Restart the process group this often when a process dies.")
def resume(run_dir, steps, nproc, nnodes, rdzv_endpoint, max_restarts) -> None:
    """Continue a run from its last checkpoint."""
    from ganlab import api

    if _launched(nproc, api.load_run(run_dir).config, nnodes, rdzv_endpoint, max_restarts):
        return
    _finish(_ended(lambda: api.resume(run_dir, steps=steps)))
