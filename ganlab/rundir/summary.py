"""``summary.json``: how a run ended and its final numbers. The core writes it, whatever the status.

>>> s = {"status": "completed", "step": 10, "total_steps": 10, "metrics": {"loss_d": 1.2}}
>>> problem(s) is None
True
>>> problem({"status": ["completed"], "step": 10})
"'status' is not one of completed, interrupted, diverged, failed"
>>> problem([1, 2])
'not a JSON object'

Readers (compare, sweep, eval) call :func:`problem` before trusting a summary from disk: a
run directory may come from anywhere, so a malformed one is reported as skipped, never a crash.
"""

from __future__ import annotations

import math
from typing import Any

STATUSES = ("completed", "interrupted", "diverged", "failed")
FORMAT = 2  # 2: written by the core (ganlab >= 0.2); 1: by the summary-file plugin of 0.1


def problem(summary: Any) -> str | None:
    """Why ``summary`` cannot be used, or None if it can."""
    if not isinstance(summary, dict):
        return "not a JSON object"
    if summary.get("status") not in STATUSES:
        return f"'status' is not one of {', '.join(STATUSES)}"
    for key in ("step", "total_steps"):
        value = summary.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"{key!r} is not a step count"
    for key in ("metrics", "best", "verdicts", "components", "checkpoints"):
        if key in summary and not isinstance(summary[key], dict):
            return f"{key!r} is not a table"
    for name, best in (summary.get("best") or {}).items():
        if not isinstance(best, dict) or not _number(best.get("value")) or best.get("better") not in ("lower", "higher"):
            return f"best[{name!r}] is not {{value, step, better}}"
    for name, verdict in (summary.get("verdicts") or {}).items():
        if not isinstance(verdict, dict) or not isinstance(verdict.get("level"), str):
            return f"verdicts[{name!r}] is not {{level, reason}}"
    sps = summary.get("steps_per_second")
    if sps is not None and not _number(sps):
        return "'steps_per_second' is not a number"
    return None


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def number(v: Any) -> float | None:
    """A finite number from a summary or metrics record, else None."""
    return float(v) if _number(v) else None


def build(
    *,
    status: str,
    step: int,
    total_steps: int,
    checkpoint_step: int | None,
    steps_per_second: float | None,
    train_seconds: float,
    eval_seconds: float,
    device: str,
    processes: int,
    fast_path: dict[str, Any],
    config: Any,
    metrics: dict[str, Any],
    verdicts: dict[str, tuple[str, str]],
    best: dict[str, Any],
    components: dict[str, Any],
    checkpoints: dict[str, Any],
    data_shape: tuple[int, ...],
    diverged_at_step: int | None = None,
    stopped_by: str | None = None,
    error: str | None = None,
    problems: list[str] | None = None,
) -> dict[str, Any]:
    """The summary's keys, in the order docs/run-directory.md lists them."""
    out: dict[str, Any] = {
        "format": FORMAT,
        "status": status,
        "step": step,
        "total_steps": total_steps,
        "checkpoint_step": checkpoint_step,
        "steps_per_second": steps_per_second,
        "train_seconds": round(train_seconds, 3),
        "eval_seconds": round(eval_seconds, 3),
        "device": device,
        "processes": processes,
        "fast_path": fast_path,
        "arch": config.arch.name,
        "loss": config.loss.name,
        "dataset": config.data.name,
        "seed": config.seed,
        "data_shape": list(data_shape),
        "metrics": dict(metrics),
        "verdicts": {n: {"level": lv, "reason": r} for n, (lv, r) in verdicts.items()},
        "best": best,
        "checkpoints": checkpoints,
        "components": components,
    }
    if diverged_at_step is not None:
        out["diverged_at_step"] = diverged_at_step
    if stopped_by is not None:
        out["stopped_by"] = stopped_by
    if error is not None:
        out["error"] = error
    if problems:
        out["problems"] = problems
    return out
