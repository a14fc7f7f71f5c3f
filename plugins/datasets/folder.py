"""Any directory of PNG/JPEG images: ``--dataset folder --set data.root=DIR``.

Files are found recursively, centre-cropped to a square and resized to ``image_size``.
Unreadable files are skipped and counted (the count shows at the start of the run). When the
decoded images fit in ``max_memory_mb`` they are held as one tensor on the training device;
larger folders stream through a DataLoader with ``workers`` processes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganlab.errors import GanlabError
from ganlab.plugins.datasets.images import TensorImages, check_size
from ganlab.plugins.datasets.stream import StreamingImages

EXTENSIONS = {".png", ".jpg", ".jpeg"}


def load_image(path: Path, size: int, channels: int) -> np.ndarray:
    """One image: centre-cropped, resized, (C, size, size) float32 in [-1, 1]. Raises on bad files."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("L" if channels == 1 else "RGB")
        w, h = im.size
        s = min(w, h)
        im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
        im = im.resize((size, size), Image.Resampling.BICUBIC)
        arr = np.asarray(im, dtype=np.float32) / 127.5 - 1.0
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1)


class _Files(torch.utils.data.Dataset):
    def __init__(self, files, size, channels):
        self.files, self.size, self.channels = files, size, channels

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        try:
            return torch.from_numpy(load_image(self.files[i], self.size, self.channels))
        except Exception:  # a file that went bad after the scan: use its neighbour
            return self[(i + 1) % len(self.files)]


def Folder(root: str = "", image_size: int = 32, channels: int = 3, max_memory_mb: int = 2048, workers: int = 2):
    """Every PNG/JPEG under a directory (recursive), centre-cropped and resized."""
    check_size(image_size)
    if channels not in (1, 3):
        raise GanlabError(f"data.channels must be 1 or 3, got {channels}")
    if not root:
        raise GanlabError("dataset 'folder' needs a directory: --set data.root=DIR")
    base = Path(root).expanduser()
    if not base.is_dir():
        raise GanlabError(f"data.root {root!r} is not a directory")
    files = sorted(p for p in base.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())
    if not files:
        raise GanlabError(f"data.root {root!r} holds no .png/.jpg/.jpeg images")
    per_image = channels * image_size * image_size * 4
    if len(files) * per_image <= max_memory_mb * 2**20:
        arrays, skipped = [], 0
        for f in files:
            try:
                arrays.append(load_image(f, image_size, channels))
            except Exception:
                skipped += 1
        if not arrays:
            raise GanlabError(f"none of the {len(files)} image files under {root!r} could be read")
        ds = TensorImages(torch.from_numpy(np.stack(arrays)))
        ds.notes = [f"folder: {len(arrays)} images from {root}" + (f"; skipped {skipped} unreadable files" if skipped else "")]
        return ds
    ds = StreamingImages(_Files(files, image_size, channels), (channels, image_size, image_size), workers)
    ds.notes = [f"folder: streaming {len(files)} images from {root} (larger than data.max_memory_mb)"]
    return ds
Folder.kind = "images"
