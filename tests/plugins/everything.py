"""A test plugin implementing every hook, recording each call ganlab makes to it."""

import ganlab

calls: list[str] = []


@ganlab.hookimpl
def register_architectures(register):
    calls.append("register_architectures")


@ganlab.hookimpl
def register_losses(register):
    calls.append("register_losses")


@ganlab.hookimpl
def register_diagnostics(register):
    calls.append("register_diagnostics")


@ganlab.hookimpl
def register_datasets(register):
    calls.append("register_datasets")


@ganlab.hookimpl
def register_regularizers(register):
    calls.append("register_regularizers")


@ganlab.hookimpl
def register_extractors(register):
    calls.append("register_extractors")


@ganlab.hookimpl
def register_commands(cli):
    calls.append("register_commands")


@ganlab.hookimpl
def on_run_start(run):
    calls.append("on_run_start")


@ganlab.hookimpl
def on_log(run, step, metrics):
    calls.append("on_log")


@ganlab.hookimpl
def on_evaluate(run, step, metrics):
    calls.append("on_evaluate")


@ganlab.hookimpl
def on_checkpoint(run, step, path):
    calls.append("on_checkpoint")


@ganlab.hookimpl
def on_run_end(run, summary):
    calls.append("on_run_end")
