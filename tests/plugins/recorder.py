"""A test plugin that records every lifecycle hook call it receives."""

import ganlab

calls: list[tuple] = []


@ganlab.hookimpl
def on_run_start(run):
    calls.append(("on_run_start", run.start_step, run.total_steps, run.resumed))


@ganlab.hookimpl
def on_log(run, step, metrics):
    calls.append(("on_log", step, dict(metrics)))


@ganlab.hookimpl
def on_evaluate(run, step, metrics):
    calls.append(("on_evaluate", step, dict(metrics)))


@ganlab.hookimpl
def on_checkpoint(run, step, path):
    calls.append(("on_checkpoint", step, path))


@ganlab.hookimpl
def on_run_end(run, summary):
    calls.append(("on_run_end", summary["status"], summary["step"]))
