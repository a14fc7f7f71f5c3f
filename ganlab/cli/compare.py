"""``ganlab compare`` and ``ganlab sweep``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from ganlab.console import console
from ganlab.errors import GanlabError


def show_comparison(paths: list[str], sort: str | None = None, fmt: str = "table", report: str | None = None) -> None:
    from ganlab.compare import aggregate, discover, sort_groups
    from ganlab.compare import render

    runs, problems = discover(paths)
    if not runs:
        reasons = "; ".join(f"{p.path}: {p.reason}" for p in problems) or "nothing found"
        raise GanlabError(f"no finished runs to compare ({reasons})")
    table = aggregate(runs, problems)
    sort_groups(table, sort)
    if fmt == "json":
        click.echo(render.to_json(table))
    elif fmt in ("csv", "markdown"):
        click.echo(render.to_csv(table) if fmt == "csv" else render.to_markdown(table), nl=False)
        for line in render.problems_lines(table):  # kept off stdout, which a script parses
            click.echo(line, err=True)
    else:
        console().print(render.to_rich(table))
        for line in render.problems_lines(table):
            console().print(line, markup=False, soft_wrap=True)
    if report:
        from ganlab.compare.report import write_report

        index = write_report(table, report)
        click.echo(f"report: {index}", err=fmt != "table")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--sort", "sort", metavar="METRIC", help="Sort groups by this metric (its better direction is known).")
@click.option("--json", "fmt", flag_value="json", help="JSON output.")
@click.option("--csv", "fmt", flag_value="csv", help="CSV output.")
@click.option("--markdown", "fmt", flag_value="markdown", help="Markdown table.")
@click.option("--report", type=click.Path(file_okay=False), help="Also write an HTML report with figures into this directory.")
def compare(paths, sort, fmt, report) -> None:
    """Compare runs side by side: runs differing only in seed are grouped (mean ± std, n)."""
    show_comparison(list(paths), sort, fmt or "table", report)


def _overview(results: list[Any]) -> Any:
    from rich.table import Table

    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    done = [r for r in results if r.seconds > 0]
    left = sum(1 for r in results if r.status in ("queued", "running"))
    eta = ""
    if done and left:
        eta = f", about {sum(r.seconds for r in done) / len(done) * left / max(1, counts.get('running', 1)):.0f} s left"
    t = Table(title=", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + eta, title_justify="left")
    for c in ("run", "status", "step", "note"):
        t.add_column(c, overflow="fold")
    for r in results:
        total = r.job.config.train.steps
        t.add_row(r.job.name, r.status, f"{r.step}/{total}", (r.action if r.action != "started" else "") + (f" {r.error}" if r.error else ""))
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
@click.option("--workers", type=int, help="Runs at a time (default: half the CPU cores; 1 on a GPU).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory of the sweep's runs.")
def sweep(arch, loss, dataset, reg, seeds, steps, sets, config_file, workers, out) -> None:
    """Run every combination of options over seeds, then compare them.

    Re-running the same command skips finished runs and resumes interrupted ones.
    """
    from rich.live import Live

    from ganlab import config as cfgmod
    from ganlab.sweep import default_workers, expand, parse_seeds, run_jobs, split_values

    base = cfgmod.read_toml(config_file) if config_file else {}
    preset = base.pop("sweep", {})  # a sweep preset: [sweep] arch/loss/dataset lists, seeds, workers
    if not isinstance(preset, dict):
        raise GanlabError("config key 'sweep' must be a table, like [sweep] loss = [\"minimax\", \"nonsat\"]")
    unknown = set(preset) - {"arch", "loss", "dataset", "reg", "seeds", "workers", "set"}
    if unknown:
        raise GanlabError(f"unknown key(s) in [sweep]: {', '.join(sorted(unknown))}; use arch, loss, dataset, reg, seeds, workers, set")
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
    workers = workers or preset.get("workers")
    jobs = expand(base, axes)
    n_workers = workers or default_workers(jobs[0].config.device)
    if n_workers < 1:
        raise GanlabError(f"--workers must be at least 1, got {n_workers}")
    out_path = Path(out)
    console().print(f"sweep: {len(jobs)} runs in {out_path} with {n_workers} worker(s)", markup=False)
    start = time.time()
    with Live(console=console(), refresh_per_second=4) as live:
        results = run_jobs(jobs, out_path, n_workers, on_update=lambda rs: live.update(_overview(rs)))
        live.update(_overview(results))
    failed = [r for r in results if r.status == "failed"]
    console().print(f"sweep finished in {time.time() - start:.0f} s: {len(results) - len(failed)} ok, {len(failed)} failed", markup=False)
    for r in failed:
        console().print(f"failed: {r.job.name}: {r.error}", markup=False, soft_wrap=True)
    show_comparison([str(out_path)])
