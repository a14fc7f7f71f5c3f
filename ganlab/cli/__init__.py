"""The ``ganlab`` command line: one click group; each command is a short function over the API.

Plugins add commands through the ``register_commands(cli)`` hook. A ``GanlabError`` (a mistake the
user can fix) becomes a one-line ``Error: ...``; plugin load problems print as one warning line
each and never stop other commands.
"""

from __future__ import annotations

import click

from ganlab import __version__
from ganlab.errors import GanlabError

HELP = """Run, diagnose and compare Generative Adversarial Networks.

\b
ganlab run                       the default: MLP GAN, non-saturating loss, ring8
ganlab run --arch mlp --loss minimax --dataset grid25
ganlab resume runs/NAME --steps 8000
ganlab run --arch dcgan --loss nonsat    DCGAN on the bundled digits
ganlab sample runs/NAME --out grid.png
ganlab sweep --loss minimax,nonsat --dataset ring8,grid25 --seeds 0-4 --out runs/sweep
ganlab compare runs/sweep --report report/
ganlab inspect --arch dcgan --image-size 64
ganlab list                      architectures, losses, diagnostics, datasets
ganlab plugins                   installed plugins and their hooks
"""


class GanlabGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GanlabError as exc:
            raise click.ClickException(str(exc)) from None


def _report_problems() -> None:
    from ganlab.manager import get_manager

    for problem in get_manager().problems:
        click.secho(f"ganlab: warning: {problem}", fg="yellow", err=True)


def build() -> click.Group:
    """A fresh CLI: the built-in commands plus every plugin's ``register_commands``."""
    from ganlab.cli import compare, listing, samples, train
    from ganlab.manager import get_manager

    @click.group(cls=GanlabGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="ganlab")
    def cli() -> None:
        _report_problems()

    builtins = (train.run, train.resume, compare.sweep, compare.compare, samples.sample, samples.inspect,
                listing.list_components, listing.plugins)  # fmt: skip
    for command in builtins:
        cli.add_command(command)
    m = get_manager()
    for impl in m.pm.hook.register_commands.get_hookimpls():
        try:  # one plugin's broken command must not take the CLI down
            impl.function(cli=cli)
        except Exception as exc:
            m.report(impl.plugin_name, f"register_commands raised {type(exc).__name__}: {exc}")
    return cli


def main() -> None:
    build()(prog_name="ganlab")
