"""``ganlab compare --report DIR``: one self-contained HTML page with PNG figures (matplotlib).

The page holds the compare table, per-group curves of every evaluation metric over steps (mean
over seeds with a min-max band), the losses and D(x)/D(G(z)) over steps, and each run's final
sample picture side by side. Figures are embedded as base64 PNGs, so ``index.html`` opens in any
browser, from any place, with no server; the curve figures are also written beside it
(``metrics.png``, ``losses.png``, ``d-outputs.png``).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from ganlab.compare import Table
from ganlab.compare.render import _rows, group_label

COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]


def _png(fig: Any, path: Path | None = None) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    if path is not None:
        path.write_bytes(buf.getvalue())  # the same figure as a file, for docs and papers
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _series(table: Table, kind: str, key: str) -> list[tuple[str, list[int], list[float], list[float], list[float]]]:
    """Per group: steps and the mean, min and max over its runs of ``key`` in records of ``kind``."""
    out = []
    for g in table.groups:
        by_step: dict[int, list[float]] = {}
        for r in g.runs:
            for rec in r.metrics:
                v = rec.get(key)
                if rec.get("kind") == kind and isinstance(v, (int, float)) and not isinstance(v, bool):
                    by_step.setdefault(rec["step"], []).append(float(v))
        if by_step:
            steps = sorted(by_step)
            vals = [by_step[s] for s in steps]
            out.append((group_label(table, g), steps, [sum(v) / len(v) for v in vals], [min(v) for v in vals], [max(v) for v in vals]))
    return out


def _curve_figure(table: Table, kind: str, keys: list[str], title: str, path: Path | None = None) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(k, s) for k in keys if (s := _series(table, kind, k))]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), squeeze=False)
    for ax, (key, series) in zip(axes[0], panels):
        for i, (label, steps, mean, lo, hi) in enumerate(series):
            c = COLORS[i % len(COLORS)]
            ax.plot(steps, mean, color=c, label=label, lw=1.4, marker="o", ms=2.5)
            ax.fill_between(steps, lo, hi, color=c, alpha=0.2)
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=6)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _png(fig, path)


def write_report(table: Table, out: str | Path) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    eval_keys = [m for m in table.metrics if m != "steps_per_second"]
    figures = [
        ("Evaluation metrics (mean over seeds, band: min to max)",
         _curve_figure(table, "eval", eval_keys, "evaluation metrics", out / "metrics.png")),
        ("Losses", _curve_figure(table, "train", ["loss_d", "loss_g"], "losses", out / "losses.png")),
        ("D(x) and D(G(z))", _curve_figure(table, "train", ["d_real", "d_fake"], "mean D(x) and D(G(z))", out / "d-outputs.png")),
    ]
    header, rows, bold = _rows(table)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>ganlab compare</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;font-size:13px}"
        "td,th{border:1px solid #ccc;padding:3px 6px}th{background:#eee}.best{font-weight:bold;color:#070}"
        ".samples{display:flex;flex-wrap:wrap;gap:12px}.samples figure{margin:0}.samples img{width:220px}"
        "figcaption{font-size:11px;max-width:220px}</style></head><body>",
        f"<h1>ganlab compare</h1><p>{len(table.groups)} groups, {sum(len(g.runs) for g in table.groups)} runs. "
        "Values are mean ± std over seeds of each run's last value (n = completed runs); best is the mean of each "
        "run's best value. The best value of each column is in bold.</p>",
        "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>",
    ]
    for i, row in enumerate(rows):
        cells = "".join(f"<td class='{'best' if bold.get((i, j)) else ''}'>{html.escape(c)}</td>" for j, c in enumerate(row))
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</table>")
    if table.problems:
        parts.append("<h2>Skipped and partial</h2><ul>" + "".join(
            f"<li>{html.escape(p.kind)}: {html.escape(str(p.path))}: {html.escape(p.reason)}</li>" for p in table.problems) + "</ul>")  # fmt: skip
    for title, png in figures:
        if png:
            parts.append(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' src='data:image/png;base64,{png}'>")
    parts.append("<h2>Final samples</h2>")
    for g in table.groups:
        parts.append(f"<h3>{html.escape(group_label(table, g))}</h3><div class='samples'>")
        for r in g.runs:
            final = r.dir / "samples" / "final.png"
            if final.is_file():
                data = base64.b64encode(final.read_bytes()).decode()
                seed = r.flat.get("seed")
                parts.append(f"<figure><img alt='samples of {html.escape(str(r.dir))}' src='data:image/png;base64,{data}'>"
                             f"<figcaption>seed {html.escape(str(seed))} · {html.escape(str(r.status))}</figcaption></figure>")  # fmt: skip
        parts.append("</div>")
    # Lets a headless browser (and the tests) confirm every figure decoded.
    parts.append("<p id='status'></p><script>window.addEventListener('load',()=>{const im=[...document.images];"
                 "const ok=im.filter(i=>i.complete&&i.naturalWidth>0).length;const s=document.getElementById('status');"
                 "s.dataset.loaded=ok;s.dataset.total=im.length;s.textContent=ok+' of '+im.length+' figures loaded';});</script>")  # fmt: skip
    parts.append("</body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts))
    return index
