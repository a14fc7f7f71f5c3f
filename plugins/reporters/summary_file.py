"""Writes ``summary.json`` atomically when a run ends, whatever its status."""

import ganlab
from ganlab.rundir import write_json


@ganlab.hookimpl
def on_run_end(run, summary):
    write_json(run.dir / "summary.json", summary)
