"""``ganlab sweep``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from ganlab.console import console
from ganlab.errors import GanlabError

ROWS_SHOWN = 20  # the live overview lists runs one per row up to this many, then summarises


def overview(jobs: list[Any]) -> Any:
    """The live view: counts by status, steps/s, time left; one row per run for a small sweep,
    and for a large one only the runs that are running or failed (never a 1,000-row table)."""
    from rich.table import Table

    counts: dict[str, int] = {}
    for j in jobs:
        counts[j.status] = counts.get(j.status, 0) + 1
    done = [j for j in jobs if j.seconds > 0]
    left = sum(1 for j in jobs if j.status in ("queued", "running"))
    running = [j for j in jobs if j.status == "running"]
    rate = sum(j.step / max(time.time() - j.started, 1e-9) for j in running)
    title = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    if running:
        title += f"; {rate:,.0f} steps/s in all"
    if done and left:
        title += f"; about {sum(j.seconds for j in done) / len(done) * left / max(1, len(running)):.0f} s left"
    shown = jobs if len(jobs) <= ROWS_SHOWN else [j for j in jobs if j.status in ("running", "failed")][:ROWS_SHOWN]
    t = Table(title=title, title_justify="left")
    for c in ("run", "status", "step", "note"):
        t.add_column(c, overflow="fold")
    for j in shown:
        note = (j.action if j.action != "started" else "") + (f" (attempt {j.attempts})" if j.attempts > 1 else "") + (f" {j.error}" if j.error else "")
        t.add_row(j.name, j.status, f"{j.step}/{j.steps}", note.strip())
    if len(shown) < len(jobs):
        t.caption = f"{len(jobs) - len(shown)} more runs not listed (`ganlab compare` reads them all)"
    return t


@click.command()
@click.option("--arch", default=None, help="Architectures, comma-separated.")
@click.option("--loss", default=None, help="Losses, comma-separated.")
@click.option("--dataset", default=None, help="Datasets, comma-separated.")
@click.option("--reg", default=None, help="Regularizers, comma-separated (none, r1, r2).")
@click.option("--seeds", default=None, help="Seeds: 0-4, or 0,3,7 (default 0).")
@click.option("--steps", type=int, help="Steps for every run.")
@click.option("--set", "sets", multiple=True, metavar="KEY=V1,V2", help="A config key; several values sweep over them.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A TOML config; its [sweep] table may list the grid.")
@click.option("--workers", type=int, help="Runs at a time on this machine (default: half the CPU cores; 1 on a GPU).")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: processes on this machine; ray: tasks on a Ray cluster.")
@click.option("--address", help="The Ray cluster (host:port); default RAY_ADDRESS, else a new local cluster.")
@click.option("--cpus-per-run", type=float, default=1.0, show_default=True, help="Ray: CPUs each run reserves.")
@click.option("--gpus-per-run", type=float, default=0.0, show_default=True, help="Ray: GPUs each run reserves (0.25: four runs share one).")
@click.option("--retries", type=int, default=3, show_default=True, help="Ray: how often a run whose worker died is retried.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory of the sweep's runs (shared storage for Ray).")
def sweep(arch, loss, dataset, reg, seeds, steps, sets, config_file, workers, backend, address, cpus_per_run, gpus_per_run, retries, out) -> None:
    """Run every combination of options over seeds, then compare them.

    Re-running the same command skips finished runs and resumes interrupted ones.
    """
    from rich.live import Live

    from ganlab.cli.compare import show_comparison
    from ganlab.sweep import claim, run_jobs

    jobs, preset = plan_grid(arch, loss, dataset, reg, seeds, steps, sets, config_file)
    if backend == "local":
        for flag, value, default in (("--address", address, None), ("--cpus-per-run", cpus_per_run, 1.0),
                                     ("--gpus-per-run", gpus_per_run, 0.0), ("--retries", retries, 3)):  # fmt: skip
            if value != default:
                raise GanlabError(f"{flag} is for --backend ray; the local backend runs --workers processes")
        from ganlab.sweep.local import LocalExecutor

        n_workers = workers if workers is not None else preset.get("workers") or default_workers(jobs[0].config.device)
        executor: Any = LocalExecutor(n_workers)
        where = f"with {n_workers} worker(s)"
    else:
        if workers is not None:
            raise GanlabError("--workers is for the local backend; with --backend ray, --cpus-per-run and --gpus-per-run decide")
        from ganlab.sweep.ray import RayExecutor

        executor = RayExecutor(address, cpus_per_run, gpus_per_run, retries)
        where = f"on Ray ({executor.address}), {cpus_per_run:g} CPU and {gpus_per_run:g} GPU a run"
    out_path = Path(out)
    try:
        lock = claim(out_path)
    except BaseException:
        executor.close()
        raise
    console().print(f"sweep: {len(jobs)} runs in {out_path} {where}", markup=False, soft_wrap=True)
    start = time.time()
    with Live(console=console(), refresh_per_second=4) as live:
        jobs = run_jobs(jobs, out_path, executor, on_update=lambda js: live.update(overview(js)), lock=lock)
        live.update(overview(jobs))
    report_end(jobs, start)
    show_comparison([str(out_path)])


def report_end(jobs: list[Any], start: float) -> None:
    failed = [j for j in jobs if j.status == "failed"]
    console().print(f"sweep finished in {time.time() - start:.0f} s: {len(jobs) - len(failed)} ok, {len(failed)} failed", markup=False)
    for j in failed:
        console().print(f"failed: {j.name}: {j.error}", markup=False, soft_wrap=True)


def plan_grid(arch, loss, dataset, reg, seeds, steps, sets, config_file) -> tuple[list[Any], dict[str, Any]]:
    """The sweep's jobs from the flags and a config file's [sweep] table (flags win)."""
    from ganlab import config as cfgmod
    from ganlab.config import Config
    from ganlab.sweep import expand, parse_seeds, split_values

    base = cfgmod.read_toml(config_file) if config_file else {}
    preset = base.pop("sweep", {})  # a sweep preset: [sweep] arch/loss/dataset lists, seeds, workers
    if not isinstance(preset, dict):
        raise GanlabError("config key 'sweep' must be a table, like [sweep] loss = [\"minimax\", \"nonsat\"]")
    unknown = set(preset) - {"arch", "loss", "dataset", "reg", "seeds", "workers", "set"}
    if unknown:
        raise GanlabError(f"unknown key(s) in [sweep]: {', '.join(sorted(unknown))}; use arch, loss, dataset, reg, seeds, workers, set")
    Config.from_dict(base)
    axes: dict[str, list[Any]] = {}
    for key, flag, word in (("arch.name", arch, "arch"), ("loss.name", loss, "loss"), ("data.name", dataset, "dataset"), ("reg.name", reg, "reg")):
        if flag:
            axes[key] = [v.strip() for v in flag.split(",") if v.strip()]
        elif word in preset:
            axes[key] = list(preset[word]) if isinstance(preset[word], list) else [preset[word]]
    for key, values in (preset.get("set") or {}).items():
        axes[key] = list(values) if isinstance(values, list) else [values]
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep:
            raise GanlabError(f"--set expects KEY=VALUE (like train.lr_g=1e-3,2e-4), got {item!r}")
        axes[key.strip()] = split_values(value)
    if steps is not None:
        axes["train.steps"] = [steps]
    if seeds is None:
        seeds = preset.get("seeds", "0")
    axes["seed"] = parse_seeds(seeds) if isinstance(seeds, str) else [int(s) for s in seeds]
    return expand(base, axes), preset


def default_workers(device: str) -> int:
    import os

    if device.startswith("cuda") or (device == "auto" and _has_cuda()):
        return 1  # one GPU, shared sequentially
    return max(1, (os.cpu_count() or 1) // 2)


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()
