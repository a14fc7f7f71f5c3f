"""``ganlab inspect``: an architecture layer by layer."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ganlab.console import console
from ganlab.errors import GanlabError


@click.command()
@click.option("--arch", required=True, help="Architecture name.")
@click.option("--dataset", help="Take the data shape from this dataset.")
@click.option("--image-size", type=int, help="Image size (with --channels) instead of a dataset.")
@click.option("--channels", type=int, default=3, show_default=True, help="Image channels.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Architecture options, e.g. arch.width=32.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def inspect(arch, dataset, image_size, channels, sets, as_json) -> None:
    """Print an architecture's generator and discriminator layer by layer."""
    from ganlab import api
    from ganlab.describe import describe

    if dataset and image_size is not None:
        raise GanlabError("give --dataset or --image-size, not both")
    if image_size is not None and image_size < 1:
        raise GanlabError(f"--image-size must be at least 1, got {image_size}")
    if channels < 1:
        raise GanlabError(f"--channels must be at least 1, got {channels}")
    overrides = {"arch.name": arch, **({"data.name": dataset} if dataset else {})}
    cfg = api.load_config(overrides=overrides, sets=list(sets))
    info = describe(cfg, (channels, image_size, image_size) if image_size is not None else None)
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    con = console()
    con.print(f"{info['arch']} for data {tuple(info['data_shape'])}, latent {info['latent_dim']}", markup=False)
    for part in ("generator", "discriminator"):
        t = Table(title=f"{part}: {info[part]['parameters']:,} parameters", title_justify="left")
        t.add_column("layer", overflow="fold")
        t.add_column("output", justify="right")
        t.add_column("params", justify="right")
        for row in info[part]["layers"]:
            t.add_row(row["layer"], "x".join(map(str, row["output_shape"])), f"{row['parameters']:,}")
        con.print(t, markup=False)
