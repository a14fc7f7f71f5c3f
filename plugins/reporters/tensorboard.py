"""TensorBoard events in ``RUN_DIR/tensorboard`` when asked for: ``--set log.tensorboard=true``.

Needs the ``tensorboard`` package (``pip install 'ganlab[tensorboard]'``).
"""

import ganlab
from ganlab.errors import GanlabError


@ganlab.hookimpl(tryfirst=True)  # refuse before any other listener starts (a live display, a file)
def on_run_start(run):
    if not run.config.log.tensorboard:
        return
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise GanlabError(
            "log.tensorboard=true needs the tensorboard package: pip install 'ganlab[tensorboard]'"
        ) from None
    run.state["tensorboard"] = SummaryWriter(log_dir=str(run.dir / "tensorboard"), purge_step=run.start_step + 1)


def _scalars(run, step, metrics):
    writer = run.state.get("tensorboard")
    if writer is None:
        return
    for key, value in metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            writer.add_scalar(key, value, step)


@ganlab.hookimpl
def on_log(run, step, metrics):
    _scalars(run, step, metrics)


@ganlab.hookimpl
def on_evaluate(run, step, metrics):
    _scalars(run, step, metrics)


@ganlab.hookimpl
def on_run_end(run):
    writer = run.state.pop("tensorboard", None)
    if writer is not None:
        writer.close()
