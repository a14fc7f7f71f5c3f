"""The terminal display: a live Rich progress bar while a run trains, a summary table at the end.

The bar shows the step, speed and time left, the latest losses and, for probability losses, mean
D(x) and D(G(z)); any diagnostic whose verdict is not ``ok`` shows beside them. Updated at logging
points only (``log.every``), so it costs nothing between them.
"""

from __future__ import annotations

from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

import ganlab
from ganlab.console import console

_LEVEL_STYLE = {"ok": "green", "warning": "yellow", "failure": "red"}
_SHOWN = (("loss_d", "loss D"), ("loss_g", "loss G"), ("d_real", "D(x)"), ("d_fake", "D(G(z))"))


def _stats(metrics):
    parts = [f"{label} {metrics[k]:.3f}" for k, label in _SHOWN if isinstance(metrics.get(k), float)]
    for key, value in metrics.items():
        if key.endswith("/verdict") and value != "ok":
            parts.append(f"[{_LEVEL_STYLE.get(value, 'white')}]{escape(key[:-8])}: {value}[/]")
    return "  ".join(parts)


@ganlab.hookimpl
def on_run_start(run):
    if run.config.log.quiet:
        return
    con = console()
    verb = "resuming" if run.resumed else "training"
    con.print(f"[bold]{verb}[/] {escape(run.title)} on {run.device} -> {escape(str(run.dir))}")
    for note in run.notes:
        con.print(f"  {escape(note)}")
    if not run.config.log.progress:
        return
    progress = Progress(
        TextColumn("step"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=con,
    )
    task = progress.add_task("train", total=run.total_steps, completed=run.start_step)
    stats = Text("")
    live = Live(Group(progress, stats), console=con, refresh_per_second=8)
    live.start()
    run.state["terminal"] = (live, progress, task, stats)


@ganlab.hookimpl
def on_log(run, step, metrics):
    if "terminal" in run.state:
        live, progress, task, stats = run.state["terminal"]
        progress.update(task, completed=step)
        stats.truncate(0)
        stats.append_text(Text.from_markup(_stats(metrics)))


@ganlab.hookimpl
def on_run_end(run, summary):
    if "terminal" in run.state:
        live, progress, task, stats = run.state.pop("terminal")
        progress.update(task, completed=summary["step"])
        live.stop()
        if not console().is_terminal:
            console().print()  # the last live frame ends without a newline off a terminal
    if run.config.log.quiet:
        return
    con = console()
    con.print(summary_table(summary))
    # Paths go below the table, unwrapped, so they can be copied whole.
    for label, path in run.artifacts.items():
        con.print(f"{label + ':':<8} {escape(str(path))}", soft_wrap=True)
    con.print(f"run:     {escape(str(run.dir))}", soft_wrap=True)


def summary_table(summary) -> Table:
    status = summary["status"]
    style = {"completed": "green", "interrupted": "yellow"}.get(status, "red")
    table = Table(title=f"[{style}]{status}[/] at step {summary['step']}/{summary['total_steps']}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    sps = summary.get("steps_per_second")
    evals = f"; evaluations {summary['eval_seconds']:.1f} s" if summary.get("eval_seconds") else ""
    table.add_row("speed", f"{sps:.1f} steps/s over {summary['train_seconds']:.1f} s{evals}" if sps else "-")
    metrics = summary.get("metrics", {})
    for key, label in _SHOWN:
        if isinstance(metrics.get(key), float):
            table.add_row(label, f"{metrics[key]:.3f}")
    for key, value in metrics.items():
        if "/" in key and not key.endswith(("/verdict", "/reason")) and isinstance(value, (int, float)):
            table.add_row(escape(key), f"{value:.4g}" if isinstance(value, float) else str(value))
    for name, v in summary.get("verdicts", {}).items():
        lvl = v["level"]
        reason = f": {escape(v['reason'])}" if v.get("reason") else ""
        table.add_row(escape(name), f"[{_LEVEL_STYLE.get(lvl, 'white')}]{lvl}[/]{reason}")
    for problem in summary.get("problems") or []:
        table.add_row("problem", f"[yellow]{escape(problem)}[/]")
    if summary.get("error"):
        table.add_row("error", f"[red]{escape(summary['error'])}[/]")
    return table
