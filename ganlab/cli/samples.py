"""``ganlab sample`` and ``ganlab inspect``."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ganlab.console import console
from ganlab.errors import GanlabError


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--n", "n", type=int, default=64, show_default=True, help="How many samples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the noise.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="A .png picture or .npy array.")
def sample(run_dir, n, seed, out) -> None:
    """Draw samples from a run's last checkpoint into a PNG or an .npy file.

    An .npy holds values in the data's own scale: images as (N, C, H, W) in [-1, 1], points as
    (N, D).
    """
    from ganlab import api
    from ganlab.pictures import save_samples

    if n < 1:
        raise GanlabError(f"--n must be at least 1, got {n}")
    if not out.lower().endswith((".png", ".npy")):
        raise GanlabError(f"--out {out!r}: use a .png (a picture) or .npy (raw samples) file")
    run = api.load_run(run_dir)
    x = run.sample(n, seed=seed)
    real = run.real(2500) if x.ndim == 2 and out.lower().endswith(".png") else None
    path = save_samples(x, out, real=real)
    click.echo(f"wrote {n} samples of shape {tuple(x.shape[1:])} to {path}")


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
    from ganlab.inspect import describe

    if dataset and image_size:
        raise GanlabError("give --dataset or --image-size, not both")
    overrides = {"arch.name": arch, **({"data.name": dataset} if dataset else {})}
    cfg = api.load_config(overrides=overrides, sets=list(sets))
    if image_size:
        shape: tuple[int, ...] = (channels, image_size, image_size)
    else:
        from ganlab.manager import get_manager

        shape = tuple(get_manager().registry("dataset").create(cfg.data.name, **cfg.data.options).shape)
    info = describe(cfg.arch.name, shape, cfg.arch.options)
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    con = console()
    con.print(f"{info['arch']} for data {tuple(shape)}, latent {info['latent_dim']}", markup=False)
    for part in ("generator", "discriminator"):
        t = Table(title=f"{part}: {info[part]['parameters']:,} parameters", title_justify="left")
        t.add_column("layer", overflow="fold")
        t.add_column("output", justify="right")
        t.add_column("params", justify="right")
        for row in info[part]["layers"]:
            t.add_row(row["layer"], "x".join(map(str, row["output_shape"])), f"{row['parameters']:,}")
        con.print(t, markup=False)
