"""The ``ganlab`` command line: one click group; each command is a short function over the API.

    run.py        ganlab run, ganlab resume
    sweep.py      ganlab sweep
    compare.py    ganlab compare
    evaluate.py   ganlab eval
    sample.py     ganlab sample
    inspect_command.py   ganlab inspect
    listing.py    ganlab list, ganlab plugins

Plugins add commands through the ``register_commands(cli)`` hook. A ``GanlabError`` (a mistake the
user can fix) becomes one ``Error: ...`` line and exit status 1; a command line click cannot parse
(an unknown option, a value of the wrong type) one ``Error: ...`` line and status 2. Plugin load
problems print as one warning line each and never stop other commands.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ganlab import __version__
from ganlab.engine.stopping import Terminated
from ganlab.errors import GanlabError, PluginError

HELP = """Run, diagnose and compare Generative Adversarial Networks.

\b
ganlab run                       the default: MLP GAN, non-saturating loss, ring8
ganlab run --arch mlp --loss minimax --dataset grid25
ganlab resume runs/NAME --steps 8000
ganlab run --arch dcgan --loss nonsat    DCGAN on the bundled digits
ganlab sample runs/NAME --out grid.png
ganlab sweep --loss minimax,nonsat --dataset ring8,grid25 --seeds 0-4 --out runs/sweep
ganlab compare runs/sweep --report report/
ganlab eval runs/sweep --checkpoint best --diag fid
ganlab inspect --arch dcgan --image-size 64
ganlab list                      architectures, losses, diagnostics, datasets, ...
ganlab plugins                   installed plugins and their hooks
"""


class GanlabGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PluginError as exc:
            from ganlab.manager import tracing

            if tracing() and exc.trace:
                click.echo(exc.trace.rstrip(), err=True)
            hint = "" if "traceback in" in str(exc) or tracing() else " (GANLAB_TRACE_PLUGINS=1 prints the traceback)"
            raise click.ClickException(f"{exc}{hint}") from None
        except GanlabError as exc:
            raise click.ClickException(str(exc)) from None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:  # fmt: skip
        """click's main, with every error one line: ``Error: ...``."""
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            if not standalone_mode:
                raise
            where = f"`{exc.ctx.command_path} -h` lists them" if exc.ctx is not None else "`ganlab -h` lists them"
            message = " ".join(exc.format_message().split())
            click.echo(f"Error: {message} ({where})", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            if not standalone_mode:
                raise
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except Terminated:  # SIGTERM, once what ran is saved (a sweep's runs stopped with checkpoints)
            if not standalone_mode:
                raise
            click.echo("Stopped by SIGTERM.", err=True)
            sys.exit(143)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


def _report_problems() -> None:
    from ganlab.manager import get_manager

    for problem in get_manager().problems:
        click.secho(f"ganlab: warning: {problem}", fg="yellow", err=True)


def build() -> click.Group:
    """A fresh CLI: the built-in commands plus every plugin's ``register_commands``."""
    from ganlab.cli import compare, evaluate, inspect_command, listing, run, sample, sweep
    from ganlab.manager import get_manager

    @click.group(cls=GanlabGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="ganlab")
    def cli() -> None:
        _report_problems()

    for command in (run.run, run.resume, sweep.sweep, compare.compare, evaluate.evaluate, sample.sample,
                    inspect_command.inspect, listing.list_components, listing.plugins):  # fmt: skip
        cli.add_command(command)
    get_manager().call_each("register_commands", cli=cli)  # one plugin's broken command must not take the CLI down
    return cli


def main() -> None:
    build()(prog_name="ganlab")
