"""Writes ``metrics.jsonl``: one JSON object per logging step and per evaluation, flushed as written.

    {"step": 50, "kind": "train", "loss_d": 1.21, "loss_g": 0.83, "d_real": 0.55, ...}
    {"step": 500, "kind": "eval", "mode-coverage/modes": 8, ...}

On resume from step N, records past N (from training that the checkpoint does not hold) are
dropped first, so the file tells one consistent history.
"""

from __future__ import annotations

import json

import ganlab


@ganlab.hookimpl
def on_run_start(run):
    path = run.dir / "metrics.jsonl"
    if run.resumed and path.exists():
        kept = []
        for line in path.read_text().splitlines():
            try:
                if json.loads(line).get("step", 0) <= run.start_step:
                    kept.append(line + "\n")
            except json.JSONDecodeError:
                continue  # a line cut short by a crash
        path.write_text("".join(kept))
    run.state["metrics_file"] = path.open("a")


def _write(run, record):
    f = run.state.get("metrics_file")
    if f is not None:
        f.write(json.dumps(record) + "\n")
        f.flush()


@ganlab.hookimpl
def on_log(run, step, metrics):
    _write(run, {"step": step, "kind": "train", **metrics})


@ganlab.hookimpl
def on_evaluate(run, step, metrics):
    if metrics:
        _write(run, {"step": step, "kind": "eval", **metrics})


@ganlab.hookimpl
def on_run_end(run):
    f = run.state.pop("metrics_file", None)
    if f is not None:
        f.close()
