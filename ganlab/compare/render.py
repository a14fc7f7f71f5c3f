"""The compare table as Rich, JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ganlab.compare import Group, Stat, Table, best_group
from ganlab.kinds import short_key


def col(key: str) -> str:
    return short_key(key)


def fmt(s: Stat, digits: int = 4) -> str:
    if s.mixed:
        return "mixed protocols"
    if s.mean is None:
        return "-"
    text = f"{s.mean:.{digits}g}"
    if s.n > 1:
        text += f" ± {s.std:.2g}"
    return text + f" (n={s.n})"


def fmt_best(s: Stat) -> str:
    return "-" if s.best is None else f"{s.best:.4g}"


def counts(d: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(d.items())) or "-"


def as_dict(table: Table) -> dict[str, Any]:
    return {
        "varying": table.varying,
        "metrics": {m: table.better.get(m) for m in table.metrics},
        "groups": [
            {
                "config": {k: g.config.get(k) for k in table.varying},
                "full_config": g.config,
                "runs": [str(r.dir) for r in g.runs],
                "statuses": g.statuses,
                "verdicts": g.verdicts,
                "metrics": {m: g.stats[m].as_dict() for m in table.metrics},
            }
            for g in table.groups
        ],
        "problems": [{"path": str(p.path), "kind": p.kind, "reason": p.reason} for p in table.problems],
    }


def to_json(table: Table) -> str:
    return json.dumps(as_dict(table), indent=2, default=str)


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    header = [col(k) for k in table.varying] + ["runs", "statuses", "verdicts"]
    for m in table.metrics:
        header += [f"{m} mean", f"{m} std", f"{m} n", f"{m} best"]
    w.writerow(header)
    for g in table.groups:
        row: list[Any] = [g.config.get(k) for k in table.varying] + [len(g.runs), counts(g.statuses), counts(g.verdicts)]
        for m in table.metrics:
            s = g.stats[m]
            row += ["mixed protocols" if s.mixed else s.mean, s.std, s.n, s.best]
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _rows(table: Table) -> tuple[list[str], list[list[str]], dict[tuple[int, int], bool]]:
    header = [col(k) for k in table.varying] + ["runs"]
    for m in table.metrics:
        header += [m] + ([f"{m} best"] if table.better.get(m) and m != "steps_per_second" else [])
    header += ["verdicts"]
    rows, bold = [], {}
    winners = {m: best_group(table, m) for m in table.metrics}
    for i, g in enumerate(table.groups):
        row = [str(g.config.get(k)) for k in table.varying] + [counts(g.statuses)]
        for m in table.metrics:
            if winners[m] is g:
                bold[(i, len(row))] = True
            row.append(fmt(g.stats[m]))
            if table.better.get(m) and m != "steps_per_second":
                row.append(fmt_best(g.stats[m]))
        row.append(counts(g.verdicts))
        rows.append(row)
    return header, rows, bold


def to_markdown(table: Table) -> str:
    header, rows, bold = _rows(table)
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i, row in enumerate(rows):
        cells = [f"**{c}**" if bold.get((i, j)) else c for j, c in enumerate(row)]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def short_names(metrics: list[str]) -> dict[str, str]:
    """``mode-coverage/modes`` -> ``modes`` where that is unambiguous; ``steps_per_second`` -> ``steps/s``."""
    tails = [m.split("/")[-1] for m in metrics]
    out = {m: (t if tails.count(t) == 1 else m) for m, t in zip(metrics, tails)}
    out["steps_per_second"] = "steps/s"
    return out


VERDICT_SHORT = {"ok": "ok", "warning": "warn", "failure": "fail"}


def _rich_cell(st: Stat, metric: str) -> str:
    if st.mixed:
        return "mixed protocols"
    if st.mean is None:
        return "-"
    cell = f"{st.mean:.3g}" + (f" ± {st.std:.2g}" if st.n > 1 else "")
    if st.best is not None and metric != "steps_per_second":
        cell += f"\nbest {st.best:.3g}"
    return cell


def _label_keys(table: Table) -> dict[str, str]:
    """Short labels for the varying config keys: the flag word for a component (``loss``), else
    the last part of the key (``pack`` for ``train.pack``) where that is unambiguous."""
    tails = [k.split(".")[-1] for k in table.varying]
    out = {}
    for k, t in zip(table.varying, tails):
        short = col(k)
        out[k] = short if short != k else (t if tails.count(t) == 1 else k)
    return out


def _group_cell(table: Table, g: Group, labels: dict[str, str]) -> str:
    return "\n".join(f"{labels[k]}={g.config.get(k)}" for k in table.varying) or "all runs"


def _runs_cell(g: Group) -> str:
    return " ".join(f"{v} {k}" for k, v in sorted(g.statuses.items())) + (f"\n{_verdicts(g)}" if g.verdicts else "")


def _need(texts: list[str], fold_first: bool = False) -> int:
    """A column's width: its widest line (a header may fold at 10), plus borders and padding."""
    header, *cells = texts
    widest = max([len(line) for t in cells for line in t.split("\n")] + [min(len(header), 10) if fold_first else len(header)])
    return widest + 3


def fitting_metrics(table: Table, width: int, chosen: list[str] | None = None) -> list[str]:
    """The metrics the terminal table shows: ``chosen`` if given, else as many as fit in
    ``width`` columns, in the table's order (evaluation metrics first, steps/s last)."""
    if chosen:
        return chosen
    names, labels = short_names(table.metrics), _label_keys(table)
    used = 1 + _need(["group"] + [_group_cell(table, g, labels) for g in table.groups])
    used += _need(["runs"] + [_runs_cell(g) for g in table.groups])
    shown = []
    for m in table.metrics:
        w = _need([names[m]] + [_rich_cell(g.stats[m], m) for g in table.groups], fold_first=True)
        if used + w <= width:
            shown.append(m)
            used += w
    return shown


def _verdicts(g: Group) -> str:
    return " ".join(f"{v} {VERDICT_SHORT.get(k, k)}" for k, v in sorted(g.verdicts.items()))


def to_rich(table: Table, width: int = 80, metrics: list[str] | None = None) -> tuple[Any, str | None]:
    """The table for a terminal ``width`` wide: one row per group (what varies, its runs and
    verdicts), the metrics that fit (or those asked for), the best group of each in bold green
    (only where one group is best). Returns the table and a note naming what was left out."""
    from rich.markup import escape
    from rich.table import Table as RichTable

    names, labels = short_names(table.metrics), _label_keys(table)
    shown = fitting_metrics(table, width, metrics)
    winners = {m: best_group(table, m) for m in shown}
    t = RichTable(title=f"{len(table.groups)} groups, {sum(len(g.runs) for g in table.groups)} runs: last value, "
                        "mean ± std over seeds; below it the mean best", title_justify="left")  # fmt: skip
    t.add_column("group", no_wrap=True)
    t.add_column("runs", no_wrap=True)
    for m in shown:
        arrow = {"lower": " ↓", "higher": " ↑"}.get(table.better.get(m) or "", "")
        t.add_column(escape(names[m]) + arrow, justify="right", overflow="fold")
    for g in table.groups:
        row = [escape(_group_cell(table, g, labels)), escape(_runs_cell(g))]
        for m in shown:
            cell = escape(_rich_cell(g.stats[m], m))
            row.append(f"[bold green]{cell}[/]" if winners[m] is g else cell)
        t.add_row(*row)
    left = [names[m] for m in table.metrics if m not in shown]
    note = None
    if left:
        note = (f"{len(left)} more metric(s) not shown at this width: {', '.join(left)}; --metrics NAME,... picks "
                "the columns, --markdown, --csv, --json or --report show them all")  # fmt: skip
    return t, note


def problems_lines(table: Table) -> list[str]:
    return [f"{p.kind}: {p.path}: {p.reason}" for p in table.problems]


def group_label(table: Table, g: Group) -> str:
    return ", ".join(f"{col(k)}={g.config.get(k)}" for k in table.varying) or "all runs"
