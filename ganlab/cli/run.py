"""``ganlab run`` and ``ganlab resume``."""

from __future__ import annotations

import sys
from typing import Any

import click

from ganlab.errors import GanlabError


def _finish(result: Any) -> None:
    """Exit status from the run's status: 0 completed, 1 diverged/failed, 130 interrupted."""
    for note in result.notes:
        click.echo(f"{result.dir}: {note}")
    s = result.summary
    if s["status"] == "completed":
        return
    if s["status"] == "interrupted":
        click.echo(f"interrupted at step {s['step']}; `ganlab resume {result.dir}` continues it", err=True)
        sys.exit(130)
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
@click.option("--nproc", type=int, help="Train data-parallel in N processes (one per GPU; gloo on CPU). The batch is global.")
def run(arch, loss, dataset, reg, steps, batch_size, seed, device, diags, out, name, config_file, sets, nproc) -> None:
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
    if _launched(nproc, cfg):
        return
    _finish(api.train(cfg, out=out, name=name))


def _launched(nproc: int | None, cfg: Any) -> bool:
    """With --nproc N > 1, run this same command in N processes (ganlab.launch) and exit with
    their status. Mistakes in the config are caught here first, once."""
    if nproc is None or nproc == 1:
        return False
    import os

    from ganlab import launch
    from ganlab.engine import distributed

    if nproc < 1:
        raise GanlabError(f"--nproc must be at least 1, got {nproc}")
    if "WORLD_SIZE" in os.environ:
        raise GanlabError("--nproc inside torchrun: leave --nproc out, torchrun already started the processes")
    from ganlab.engine.devices import resolve_device

    world = distributed.World(0, nproc)
    distributed.check_batch(cfg.train.batch_size, world, cfg.train.pack)
    resolve_device(cfg.device, world)
    code = launch.launch(nproc, launch.command_args(click.get_current_context()))
    if code:
        sys.exit(code)
    return True


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--steps", type=int, help="Train to this step (default: the run's configured steps).")
@click.option("--nproc", type=int, help="Continue in N processes (any N dividing the batch, whatever the run was trained on).")
def resume(run_dir, steps, nproc) -> None:
    """Continue a run from its last checkpoint."""
    from ganlab import api

    if nproc is not None and nproc != 1 and _launched(nproc, api.load_run(run_dir).config):
        return
    _finish(api.resume(run_dir, steps=steps))
