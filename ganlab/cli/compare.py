"""``ganlab compare``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ganlab.console import console
from ganlab.errors import GanlabError


def show_comparison(paths: list[str], sort: str | None = None, fmt: str = "table", report: str | None = None,
                    metrics: str | None = None) -> None:  # fmt: skip
    from ganlab.compare import aggregate, discover, metric_name, sort_groups
    from ganlab.compare import render

    if report:  # a report that cannot be written is refused before anything is printed
        try:
            Path(report).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GanlabError(f"cannot write the report into {report!r}: {exc.strerror}") from None
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
        chosen = [metric_name(table, m.strip(), "show") for m in metrics.split(",") if m.strip()] if metrics else None
        rich_table, note = render.to_rich(table, console().width, chosen)
        console().print(rich_table)
        if note:
            console().print(note, markup=False, soft_wrap=True)
        for line in render.problems_lines(table):
            console().print(line, markup=False, soft_wrap=True)
    if report:
        from ganlab.compare.report import write_report

        try:
            index = write_report(table, report)
        except OSError as exc:
            raise GanlabError(f"cannot write the report into {report!r}: {exc.strerror}") from None
        click.echo(f"report: {index}", err=fmt != "table")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--sort", "sort", metavar="METRIC", help="Sort groups by this metric (its better direction is known).")
@click.option("--json", "fmt", flag_value="json", help="JSON output.")
@click.option("--csv", "fmt", flag_value="csv", help="CSV output.")
@click.option("--markdown", "fmt", flag_value="markdown", help="Markdown table.")
@click.option("--metrics", metavar="NAME,...", help="The metrics the terminal table shows (default: as many as fit).")
@click.option("--report", type=click.Path(file_okay=False), help="Also write an HTML report with figures into this directory.")
def compare(paths, sort, fmt, metrics, report) -> None:
    """Compare runs side by side: runs differing only in seed are grouped (mean ± std, n)."""
    show_comparison(list(paths), sort, fmt or "table", report, metrics)
