"""``ganlab list`` and ``ganlab plugins``: what is installed, as tables or JSON."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ganlab.console import console
from ganlab.errors import GanlabError
from ganlab.kinds import KINDS, by_word


def components(word: str | None = None, options: bool = False) -> dict[str, list[dict]]:
    """Registered components by kind; with ``options`` also each one's options and defaults
    (this imports the components, torch included). A component that cannot be loaded is listed
    with the reason, and reported as its plugin's problem; the others are unaffected."""
    from ganlab.manager import get_manager
    from ganlab.resolve import CORE_ARCH_OPTIONS

    m = get_manager()
    out = {}
    for kind in KINDS:
        if word not in (None, kind.word):
            continue
        rows = []
        for e in m.registry(kind.name):
            problem = e.static_problem()
            row = {"name": e.name if m.registry(kind.name).canonical(e.qualified) == e.name else e.qualified,
                   "aliases": list(e.aliases), "description": e.description, "plugin": e.plugin}  # fmt: skip
            if problem:
                row["problem"] = problem
            if options and not problem:
                try:
                    opts = {k: p.default for k, p in e.options().items()}
                    if kind.name == "architecture":
                        opts = {**opts, **{k: v for k, v in CORE_ARCH_OPTIONS.items() if k not in opts}}
                    row["options"] = opts
                except GanlabError as exc:
                    row["problem"] = str(exc)
                    m.report(e.plugin, str(exc).removeprefix(f"plugin {e.plugin!r}: "))
            rows.append(row)
        out[kind.word] = rows
    return out


@click.command("list")
@click.argument("kind", required=False)
@click.option("--options", "show_options", is_flag=True, help="Also each component's options and defaults.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_components(kind, show_options, as_json) -> None:
    """List components: archs, losses, datasets, regularizers, diagnostics, extractors (default: all).

    Options are set with --set arch.KEY=VALUE (loss., data., reg., diag.NAME.); training-wide
    stabilisers such as train.ema are config keys (docs/config.md).
    """
    if kind is not None:
        found = by_word(kind)
        if found is None:
            raise GanlabError(f"unknown kind {kind!r}; choose one of: {', '.join(k.word for k in KINDS)}")
        kind = found.word
    data = components(kind, options=show_options)
    if as_json:
        click.echo(json.dumps(data if kind is None else data[kind], indent=2))
        return
    for word, rows in data.items():
        table = Table(title=word, title_justify="left", show_lines=show_options)
        cols = ("name", "aliases", "description", "plugin") + (("options",) if show_options else ())
        for col in cols:
            table.add_column(col, overflow="fold")
        for r in rows:
            description = r["description"] + (f" [unavailable: {r['problem']}]" if r.get("problem") else "")
            cells = [r["name"], ", ".join(r["aliases"]), description, r["plugin"]]
            if show_options:
                cells.append(", ".join(f"{k}={v}" for k, v in r.get("options", {}).items()))
            table.add_row(*cells)
        console().print(table, markup=False)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins(as_json) -> None:
    """List installed plugins: distribution, version, hooks and components."""
    from ganlab.manager import get_manager

    m = get_manager()
    rows = [
        {
            "name": p.name,
            "module": p.module,
            "distribution": p.distribution,
            "version": p.version,
            "builtin": p.builtin,
            "hooks": p.hooks,
            "components": p.components,
        }
        for p in m.plugins.values()
    ]
    problems = [{"plugin": p.plugin, "problem": p.message} for p in m.problems]
    if as_json:
        click.echo(json.dumps({"plugins": rows, "problems": problems}, indent=2))
        return
    table = Table(title="plugins", title_justify="left")
    for col in ("name", "distribution", "hooks", "components"):
        table.add_column(col, overflow="fold")
    for r in rows:
        dist = f"{r['distribution'] or '-'} {r['version'] or ''}".strip()
        comps = "; ".join(f"{k}: {', '.join(v)}" for k, v in r["components"].items())
        table.add_row(r["name"], dist, ", ".join(r["hooks"]), comps)
    console().print(table, markup=False)
    for p in problems:
        console().print(f"problem: plugin {p['plugin']!r}: {p['problem']}", markup=False)
