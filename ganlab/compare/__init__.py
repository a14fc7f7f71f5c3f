"""Compare runs: find them, group those that differ only in seed, aggregate their metrics.

>>> from ganlab.compare import aggregate, discover, render
>>> runs, problems = discover(["tests/data"])
>>> table = aggregate(runs, problems)       # groups, with mean/std/n, best and last, verdict counts
>>> [render.group_label(table, g).split(", ")[:2] for g in table.groups]   # then every other key that differs
[['arch=dcgan', 'dataset=digits'], ['arch=mlp', 'dataset=ring8']]
>>> [cell.strip() for cell in render.to_markdown(table).splitlines()[0].split("|")[1:3]]  # or to_json, to_csv, to_rich, report
['arch', 'dataset']

Protocol first: a metric whose protocol (``NAME/protocol`` in the summary: extractor, sample
counts, image size) differs between runs of a group is not averaged; the cell says so.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import math
import multiprocessing
import os
import statistics
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganlab.rundir import CONFIG, RunDir
from ganlab.rundir.files import read_json_lines
from ganlab.run import Run, flatten

# Config keys that do not change what a run learns or measures: never a reason to split groups.
# perf.* (bf16, layout, compile) is how fast a run goes, like the device; summary.json's
# fast_path records what each run used.
NOT_GROUPING = ("seed", "device", "diagnostics", "log.", "perf.")
STANDARD_BETTER = {"steps_per_second": "higher"}


@dataclass
class Problem:
    path: Path
    kind: str  # "skipped" | "partial"
    reason: str


def discover(paths: list[str | Path]) -> tuple[list[Run], list[Problem]]:
    """Every run directory under ``paths`` (recursively), and what could not be used, with why.
    A directory that is neither a run nor holds one is listed as skipped (the topmost only)."""
    runs: list[Run] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if not p.exists():
            problems.append(Problem(p, "skipped", "does not exist"))
            continue
        if not p.is_dir():
            problems.append(Problem(p, "skipped", "not a directory"))
            continue
        found, empty = _walk(p)
        if not found:
            problems.append(Problem(p, "skipped", "not a run directory, and holds none"))
        else:
            problems += [Problem(e, "skipped", "not a run directory, and holds none") for e in empty]
        fresh = []
        for run_dir in found:
            key = run_dir.resolve()
            if key not in seen:
                seen.add(key)
                fresh.append(run_dir)
        for record, problem in _read_all(fresh):
            if problem:
                problems.append(problem)
            if record:
                runs.append(record)
    return runs, problems


PARALLEL_FROM = 2000  # run directories: below this, one process reads them faster than a pool starts


def _read_all(paths: list[Path]) -> list[tuple[Run | None, Problem | None]]:
    """Every run directory read, in order; thousands are parsed by a pool of processes (TOML
    parsing is pure Python: one core reads about 1,000 runs a second)."""
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [_read(p) for p in paths]
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_read, paths, chunksize=max(64, len(paths) // (4 * workers))))


def _walk(root: Path) -> tuple[list[Path], list[Path]]:
    """Run directories under ``root`` (not inside another run, not hidden), and the topmost
    directories that hold none."""
    runs: list[Path] = []
    empty: list[Path] = []

    def visit(d: Path) -> bool:
        if (d / CONFIG).is_file():
            runs.append(d)
            return True
        try:
            subdirs = sorted(e.path for e in os.scandir(d) if e.is_dir(follow_symlinks=False) and not e.name.startswith("."))
        except OSError:
            return False
        held = [visit(Path(s)) for s in subdirs]
        if any(held):
            empty.extend(Path(s) for s, h in zip(subdirs, held) if not h)
        return any(held)

    visit(root)
    return runs, empty


def _read(path: Path) -> tuple[Run | None, Problem | None]:
    try:
        config = tomllib.loads((path / CONFIG).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        return None, Problem(path, "skipped", f"config.toml unreadable ({type(exc).__name__}: {exc})")
    rd = RunDir(path)
    summary, why = rd.summary_and_problem()
    if why is not None:
        return None, Problem(path, "partial", why)
    record = Run(path, config, summary)
    if rd.evals.is_dir():
        from ganlab.evaluate import posthoc_metrics

        record.posthoc, record.posthoc_better = posthoc_metrics(rd)
    records, bad = read_json_lines(rd.metrics_path)
    record._metrics = records
    if bad:
        record.notes.append(f"metrics.jsonl: {bad} malformed or truncated line(s) skipped")
        return record, Problem(path, "partial", record.notes[-1] + "; summary used")
    return record, None


@dataclass
class Stat:
    mean: float | None
    std: float | None
    n: int
    best: float | None  # mean over runs of each run's best value (its step in summary.json)
    better: str | None  # "lower" | "higher" | None
    protocol: str | None = None
    mixed: bool = False  # protocols differ between runs: not averaged

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class Group:
    key: tuple
    config: dict[str, Any]
    runs: list[Run]
    stats: dict[str, Stat] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)


@dataclass
class Table:
    groups: list[Group]
    varying: list[str]  # config keys that differ between groups: the table's first columns
    metrics: list[str]
    better: dict[str, str]
    problems: list[Problem] = field(default_factory=list)


@functools.lru_cache(maxsize=None)
def _groupable(key: str) -> bool:
    return not any(key == k or (k.endswith(".") and key.startswith(k)) for k in NOT_GROUPING)


def aggregate(runs: list[Run], problems: list[Problem] | None = None) -> Table:
    groups: dict[tuple, Group] = {}
    for r in runs:
        cfg = {k: v for k, v in r.flat.items() if _groupable(k)}
        cfg.update(provenance(r))
        key = tuple(sorted((k, _frozen(v)) for k, v in cfg.items()))
        groups.setdefault(key, Group(key, cfg, [])).runs.append(r)
    all_keys = sorted({k for g in groups.values() for k in g.config})
    varying = [k for k in all_keys if _varies(k, list(groups.values()))]
    better: dict[str, str] = dict(STANDARD_BETTER)
    for r in runs:
        for k, b in (r.summary.get("best") or {}).items():
            better[k] = b.get("better", better.get(k))
        better.update(getattr(r, "posthoc_better", {}))
    metrics = sorted((k for k in better if k != "steps_per_second"), key=lambda k: (k.startswith("eval["), k)) + ["steps_per_second"]
    for g in groups.values():
        for r in g.runs:
            g.statuses[r.status] = g.statuses.get(r.status, 0) + 1
            for v in (r.summary.get("verdicts") or {}).values():
                g.verdicts[v["level"]] = g.verdicts.get(v["level"], 0) + 1
        for m in metrics:
            g.stats[m] = _stat(g.runs, m, better.get(m))
    return Table(list(groups.values()), varying, metrics, better, problems or [])


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a config value; 1, 1.0 and true stay apart (types included)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return (type(value).__name__, value)
    return ("json", json.dumps(value, sort_keys=True))


def provenance(run: Run) -> dict[str, str]:
    """Where a run's components came from, as grouping keys: ``{"from.loss": "ganlab-x 0.2.0"}``.
    Runs made with different versions of a plugin are different groups, shown side by side."""
    out = {}
    comps = (run.summary or {}).get("components") or {}
    for sec, info in comps.items():
        entries = info.items() if sec == "diagnostics" else [(sec, info)]
        for name, prov in entries:
            if isinstance(prov, dict) and prov.get("distribution"):
                key = f"from.{'diag.' + name if sec == 'diagnostics' else sec}"
                out[key] = f"{prov['distribution']} {prov.get('version') or ''}".strip()
    return out


def _varies(key: str, groups: list[Group]) -> bool:
    """A key differs between groups. A component's option (``data.std``) counts only where it
    differs between groups using the same component: otherwise the name column says it all."""
    section, _, rest = key.partition(".")
    if section == "from" and rest in ("arch", "loss", "data", "reg"):  # where a component came from: the same rule
        section, rest = rest, "from"
    if section in ("arch", "loss", "data", "reg") and rest != "name":
        by_name: dict[Any, set[Any]] = {}
        for g in groups:
            by_name.setdefault(g.config.get(f"{section}.name"), set()).add(_frozen(g.config.get(key)))
        return any(len(v) > 1 for v in by_name.values())
    return len({_frozen(g.config.get(key)) for g in groups}) > 1


def _metrics(r: Run) -> dict[str, Any]:
    """The run's final metrics, with its post-hoc ``ganlab eval`` results beside them."""
    return {**(r.summary.get("metrics") or {}), **r.posthoc}


def _value(r: Run, metric: str) -> Any:
    if metric == "steps_per_second":
        return r.summary.get("steps_per_second")
    return _metrics(r).get(metric)


def _stat(runs: list[Run], metric: str, better: str | None) -> Stat:
    done = [r for r in runs if r.status == "completed"]
    values = [v for r in done if isinstance(v := _value(r, metric), (int, float)) and math.isfinite(v)]
    diag = metric.split("/")[0]
    protocols = {_metrics(r).get(f"{diag}/protocol") for r in done if _value(r, metric) is not None}
    if len(protocols) > 1:
        return Stat(None, None, len(values), None, better, None, mixed=True)
    bests = [b["value"] for r in done if (b := (r.summary.get("best") or {}).get(metric))]
    return Stat(
        statistics.fmean(values) if values else None,
        statistics.stdev(values) if len(values) > 1 else (0.0 if values else None),
        len(values),
        statistics.fmean(bests) if bests else None,
        better,
        next(iter(protocols)) if protocols else None,
    )


def metric_name(table: Table, metric: str, what: str = "sort by") -> str:
    """A metric's full name from its full or short name (``modes`` -> ``mode-coverage/modes``)."""
    from ganlab.errors import GanlabError

    tails: dict[str, list[str]] = {}
    for m in table.metrics:
        tails.setdefault(m.split("/")[-1], []).append(m)
    tails["steps/s"] = ["steps_per_second"]
    if metric in table.metrics:
        return metric
    if len(tails.get(metric, [])) == 1:
        return tails[metric][0]  # the short name the table shows, e.g. "modes"
    import difflib

    names = {**{m: m for m in table.metrics}, **{t: ms[0] for t, ms in tails.items() if len(ms) == 1}}
    close = difflib.get_close_matches(metric, list(names), n=1)
    hint = f" Did you mean {names[close[0]]}?" if close else ""
    raise GanlabError(f"cannot {what} {metric!r}: no such metric.{hint} Metrics here: {', '.join(table.metrics)}")


def sort_groups(table: Table, metric: str | None) -> None:
    if metric is None:
        table.groups.sort(key=lambda g: [str(g.config.get(k)) for k in table.varying])
        return
    metric = metric_name(table, metric)
    sign = -1 if table.better.get(metric) == "higher" else 1

    def key(g: Group):
        s = g.stats[metric]
        return (s.mean is None, sign * s.mean if s.mean is not None else 0)

    table.groups.sort(key=key)


def best_group(table: Table, metric: str) -> Group | None:
    """The one group with the best mean of ``metric``; None if there is no direction, fewer than
    two groups have a value, or the best is shared (a tie is not a best)."""
    direction = table.better.get(metric)
    candidates = [g for g in table.groups if g.stats[metric].mean is not None]
    if not direction or len(candidates) < 2:
        return None
    sign = 1 if direction == "lower" else -1
    ranked = sorted(candidates, key=lambda g: sign * g.stats[metric].mean)
    if math.isclose(ranked[0].stats[metric].mean, ranked[1].stats[metric].mean, rel_tol=1e-9, abs_tol=1e-12):
        return None
    return ranked[0]
