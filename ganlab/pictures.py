"""Pictures of samples: PNG grids of images, scatter plots of 2-D points.

    save_grid(images, "grid.png")               # (N, C, H, W) in [-1, 1]
    save_scatter(points, real, "points.png")    # (N, 2) generated over (M, 2) real
    save_samples(x, "out.png" | "out.npy")      # picks by suffix and data kind
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ganlab.errors import GanlabError


def save_grid(images: Any, path: str | Path, nrow: int | None = None, pad: int = 2) -> Path:
    """Tile (N, C, H, W) images in [-1, 1] into one PNG (C = 1 grey, 3 RGB)."""
    import numpy as np
    from PIL import Image

    x = images.detach().float().cpu().clamp(-1, 1).add(1).mul(127.5).round().byte().numpy()
    n, c, h, w = x.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    canvas = np.zeros((c, rows * (h + pad) + pad, nrow * (w + pad) + pad), dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        canvas[:, pad + r * (h + pad) : pad + r * (h + pad) + h, pad + col * (w + pad) : pad + col * (w + pad) + w] = x[i]
    img = Image.fromarray(canvas[0] if c == 1 else canvas.transpose(1, 2, 0))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def save_scatter(points: Any, real: Any | None, path: str | Path, title: str = "") -> Path:
    """Generated 2-D points (orange) over real samples (blue), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    if real is not None:
        r = real.detach().cpu().numpy()
        ax.scatter(r[:, 0], r[:, 1], s=2, c="tab:blue", alpha=0.4, label="real")
    p = points.detach().cpu().numpy()
    ax.scatter(p[:, 0], p[:, 1], s=2, c="tab:orange", alpha=0.6, label="generated")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=4)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def save_samples(samples: Any, path: str | Path, real: Any | None = None) -> Path:
    """Write samples by the file's suffix: ``.npy`` raw values, ``.png`` a picture; a path that
    cannot be written is one line."""
    try:
        return _save_samples(samples, path, real)
    except OSError as exc:
        raise GanlabError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


def _save_samples(samples: Any, path: str | Path, real: Any | None = None) -> Path:
    import numpy as np

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, samples.detach().cpu().numpy())
        return path
    if suffix != ".png":
        raise GanlabError(f"--out {str(path)!r}: use a .png (a picture) or .npy (raw samples) file")
    if samples.ndim == 4:
        return save_grid(samples, path)
    if samples.ndim == 2 and samples.shape[1] == 2:
        return save_scatter(samples, real, path)
    raise GanlabError(f"cannot draw samples of shape {tuple(samples.shape[1:])} as a picture; write a .npy instead")
