"""The hooks of the example plugin: ganlab imports this module through the entry point."""

import click

import ganlab


@ganlab.hookimpl
def register_architectures(register):
    register("residual-mlp", "ganlab_example.model:build",
             description="MLP G and D with residual blocks (example plugin)")


@ganlab.hookimpl
def register_losses(register):
    from ganlab_example.loss import SmoothNonSaturating

    register("smooth-nonsat", SmoothNonSaturating, aliases=("label-smoothing",))


@ganlab.hookimpl
def register_diagnostics(register):
    from ganlab_example.spread import Spread

    register("spread", Spread)


@ganlab.hookimpl
def register_datasets(register):
    from ganlab_example.spiral import Spiral

    register("spiral", Spiral)


@ganlab.hookimpl
def register_commands(cli):
    @cli.command()
    @click.option("--n", default=1000, show_default=True, help="How many points.")
    @click.option("--seed", default=0, show_default=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False), help="A .npy file.")
    def spiral(n, seed, out):
        """Write points of the example spiral dataset to a .npy file."""
        import numpy as np
        import torch

        from ganlab_example.spiral import Spiral

        if n < 1:
            raise ganlab.GanlabError(f"--n must be at least 1, got {n}")
        pts = Spiral().batch(n, torch.Generator().manual_seed(seed))
        np.save(out, pts.numpy())
        click.echo(f"wrote {n} spiral points to {out}")
