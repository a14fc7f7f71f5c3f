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
            if winners[m] is g and len(table.groups) > 1:
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


def to_rich(table: Table):
    """Narrow enough for 80 columns: one column per metric, last (mean ± std) over best."""
    from rich.markup import escape
    from rich.table import Table as RichTable

    names = short_names(table.metrics)
    winners = {m: best_group(table, m) for m in table.metrics}
    t = RichTable(title=f"{len(table.groups)} groups, {sum(len(g.runs) for g in table.groups)} runs: "
                        "last value, mean ± std over seeds; below it the mean best")  # fmt: skip
    for k in table.varying:
        t.add_column(col(k), overflow="fold")
    t.add_column("runs", overflow="fold")
    for m in table.metrics:
        arrow = {"lower": " ↓", "higher": " ↑"}.get(table.better.get(m) or "", "")
        t.add_column(names[m] + arrow, overflow="fold", justify="right")
    t.add_column("verdicts", overflow="fold")
    for g in table.groups:
        row = [escape(str(g.config.get(k))) for k in table.varying]
        row.append(" ".join(f"{v} {k}" for k, v in sorted(g.statuses.items())))
        for m in table.metrics:
            st = g.stats[m]
            if st.mixed:
                cell = "mixed protocols"
            elif st.mean is None:
                cell = "-"
            else:
                cell = f"{st.mean:.3g}" + (f" ± {st.std:.2g}" if st.n > 1 else "")
                if st.best is not None and m != "steps_per_second":
                    cell += f"\nbest {st.best:.3g}"
            if winners[m] is g and len(table.groups) > 1:
                cell = f"[bold green]{cell}[/]"
            row.append(cell)
        row.append(" ".join(f"{v} {VERDICT_SHORT.get(k, k)}" for k, v in sorted(g.verdicts.items())))
        t.add_row(*row)
    return t


def problems_lines(table: Table) -> list[str]:
    return [f"{p.kind}: {p.path}: {p.reason}" for p in table.problems]


def group_label(table: Table, g: Group) -> str:
    return ", ".join(f"{col(k)}={g.config.get(k)}" for k in table.varying) or "all runs"
