"""The whole plugin surface of ganlab: every hook a plugin may implement.

A plugin is a module (or object) of functions marked ``@ganlab.hookimpl`` whose names match the
hooks below. It is found through the ``ganlab`` entry-point group, exactly as ganlab's own built-in
plugins are::

    # pyproject.toml of a plugin package
    [project.entry-points.ganlab]
    my-loss = "ganlab_my_loss"

    # ganlab_my_loss.py
    import ganlab

    @ganlab.hookimpl
    def register_losses(register):
        register("my-loss", MyLoss, aliases=("ml",))

Hooks are called with keyword arguments; an implementation may accept any subset of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    import click

    from ganlab.run import RunInfo

hookspec = pluggy.HookspecMarker("ganlab")
hookimpl = pluggy.HookimplMarker("ganlab")

# register(name, factory, *, aliases=(), description=None): see ganlab.registry.Registry.add
Register = Callable[..., Any]


# --- registration: called once when plugins load --------------------------------------------


@hookspec
def register_architectures(register: Register) -> None:
    """Register generator/discriminator architectures.

    :param register: ``register(name, factory, *, aliases=(), description=None)``. ``factory`` (a
        callable or a lazy ``"module:attr"`` string) is called as ``factory(data_shape=..., **options)``
        and returns a :class:`ganlab.components.GAN`.
    """


@hookspec
def register_losses(register: Register) -> None:
    """Register adversarial losses.

    :param register: as for ``register_architectures``; ``factory(**options)`` returns a
        :class:`ganlab.components.Loss`.
    """


@hookspec
def register_diagnostics(register: Register) -> None:
    """Register convergence diagnostics and sample-quality metrics.

    :param register: as for ``register_architectures``; ``factory(**options)`` returns a
        :class:`ganlab.components.Diagnostic`.
    """


@hookspec
def register_datasets(register: Register) -> None:
    """Register datasets.

    :param register: as for ``register_architectures``; ``factory(**options)`` returns a
        :class:`ganlab.components.Dataset`.
    """


@hookspec
def register_regularizers(register: Register) -> None:
    """Register discriminator regularizers, composable with any loss.

    :param register: as for ``register_architectures``; ``factory(**options)`` returns a
        :class:`ganlab.components.Regularizer`.
    """


@hookspec
def register_extractors(register: Register) -> None:
    """Register image feature extractors for fid, kid and precision-recall.

    :param register: as for ``register_architectures``; ``factory(**options)`` returns a
        :class:`ganlab.components.FeatureExtractor`.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``ganlab`` command line.

    :param cli: the top-level click group; call ``cli.command()`` or ``cli.add_command()``.
    """


# --- lifecycle: fired by the trainer (at logging points, evaluations, checkpoints; never per step) --


@hookspec
def on_run_start(run: RunInfo) -> None:
    """A run starts (or resumes), after its models, data and run directory are ready. Raising
    ``ganlab.GanlabError`` here refuses the run before it trains (one line for the user).

    :param run: what the run is: its resolved config, its directory, first and last step.
    """


@hookspec
def on_log(run: RunInfo, step: int, metrics: dict[str, float]) -> None:
    """A logging step: training statistics, once every ``log.every`` steps.

    :param run: the running run.
    :param step: the number of training steps completed.
    :param metrics: plain floats (``loss_d``, ``loss_g``, ``d_real``, ``d_fake``, ...).
    """


@hookspec
def on_evaluate(run: RunInfo, step: int, metrics: dict[str, Any]) -> None:
    """An evaluation: periodic diagnostics have run on generated samples.

    :param run: the running run.
    :param step: the number of training steps completed.
    :param metrics: each diagnostic's values (floats) and verdicts (``diag/<name>/verdict``).
    """


@hookspec
def on_checkpoint(run: RunInfo, step: int, path: str) -> None:
    """A checkpoint was written atomically.

    :param run: the running run.
    :param step: the step the checkpoint holds.
    :param path: the checkpoint file.
    """


@hookspec
def on_run_end(run: RunInfo, summary: dict[str, Any]) -> None:
    """A run ended, whatever its status (``completed``, ``interrupted``, ``diverged``, ``failed``).
    ganlab has already written ``summary.json`` when this fires.

    :param run: the run that ended.
    :param summary: what ``summary.json`` holds: status, final step, steps_per_second, metrics.
    """
