"""``ganlab eval``: score runs' generators after training, as papers report."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ganlab.console import console
from ganlab.errors import GanlabError


@click.command("eval")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--checkpoint", "which", default="last", show_default=True, help="last, best, or a kept step.")
@click.option("--diag", "diags", multiple=True, help="An evaluation diagnostic (repeatable; default: the run's own).")
@click.option("--samples", type=int, help="Samples to generate (default: what the diagnostics ask for, e.g. 2,500).")
@click.option("--set", "sets", multiple=True, metavar="diag.NAME.KEY=VALUE", help="A diagnostic option, e.g. diag.fid.real=10000.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def evaluate(paths, which, diags, samples, sets, as_json) -> None:
    """Evaluate the generators of runs (or of every run under a directory) from a checkpoint.

    Results, with their protocol, are stored in each run's evals/ and shown by `ganlab compare`
    beside the values recorded during training.
    """
    from ganlab.cli.sample import checkpoint_choice
    from ganlab.compare import discover
    from ganlab.config import parse_set
    from ganlab.evaluate import evaluate_run

    checkpoint = checkpoint_choice(which)
    if samples is not None and samples < 1:
        raise GanlabError(f"--samples must be at least 1, got {samples}")
    options = parse_set(sets)
    if set(options) - {"diag"}:
        raise GanlabError(f"--set here takes diagnostic options only, like diag.fid.real=10000, got {sets[0]!r}")
    options = options.get("diag", {})
    runs, problems = discover(list(paths))
    found = [r.dir for r in runs] + [p.path for p in problems if p.kind == "partial"]
    if not found:
        reasons = "; ".join(f"{p.path}: {p.reason}" for p in problems) or "nothing found"
        raise GanlabError(f"no runs to evaluate ({reasons})")
    records = []
    for run_dir in sorted(found):
        records += evaluate_run(run_dir, checkpoint, list(diags) or None, samples, options)
    if as_json:
        click.echo(json.dumps(records, indent=2, default=str))
        return
    t = Table(title=f"post-hoc evaluation, {which} checkpoint", title_justify="left")
    for c in ("run", "step", "diagnostic", "values", "samples"):
        t.add_column(c, overflow="fold")
    for rec in records:
        values = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in rec["values"].items())
        t.add_row(str(rec.get("run", "")), str(rec["step"]), rec["diagnostic"], values, f"{rec['samples']:,}")
    console().print(t, markup=False)
    protocols = {rec["diagnostic"]: rec["protocol"]["diagnostic"] for rec in records}
    for name, protocol in protocols.items():
        console().print(f"{name}: {protocol}", markup=False, soft_wrap=True)
    console().print(f"stored in each run's evals/; `ganlab compare {' '.join(paths)}` shows them beside training's values", markup=False, soft_wrap=True)
