"""``ganlab sample``: draw from a run's generator into a picture or an array."""

from __future__ import annotations

import click

from ganlab.errors import GanlabError

MAX_SEED = 2**63 - 1


def checkpoint_choice(value: str) -> str | int:
    """``last``, ``best`` or a step number."""
    if value in ("last", "best"):
        return value
    try:
        step = int(value)
    except ValueError:
        raise GanlabError(f"--checkpoint {value!r}: use last, best or a step number") from None
    if step < 0:
        raise GanlabError(f"--checkpoint {value!r}: a step is 0 or more")
    return step


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--n", "n", type=int, default=64, show_default=True, help="How many samples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the noise.")
@click.option("--checkpoint", "which", default="last", show_default=True, help="last, best, or a kept step.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="A .png picture or .npy array.")
def sample(run_dir, n, seed, which, out) -> None:
    """Draw samples from a run's checkpoint into a PNG or an .npy file.

    An .npy holds values in the data's own scale: images as (N, C, H, W) in [-1, 1], points as
    (N, D).
    """
    from ganlab import api
    from ganlab.pictures import save_samples

    if n < 1:
        raise GanlabError(f"--n must be at least 1, got {n}")
    if not 0 <= seed <= MAX_SEED:
        raise GanlabError(f"--seed must be from 0 to 2**63 - 1, got {seed}")
    if not out.lower().endswith((".png", ".npy")):
        raise GanlabError(f"--out {out!r}: use a .png (a picture) or .npy (raw samples) file")
    which = checkpoint_choice(which)
    run = api.load_run(run_dir)
    x = run.sample(n, seed=seed, checkpoint=which)
    real = run.real(2500) if x.ndim == 2 and out.lower().endswith(".png") else None
    path = save_samples(x, out, real=real)
    step = run.generator(which).step
    click.echo(f"wrote {n} samples of shape {tuple(x.shape[1:])} from the {which} checkpoint (step {step}) to {path}")
