"""Points from a NumPy file: ``--dataset points --set data.path=points.npy``.

The file holds an array of shape (N, D) (a ``.npy``, or a ``.npz`` whose array is named by
``data.key``, or its only array). The whole array is held on the training device and batches are
drawn from it uniformly with replacement.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganlab.errors import GanlabError
from ganlab.plugins.datasets.memory import InMemory


class PointsFile(InMemory):
    """Points from a .npy/.npz file of shape (N, D): --set data.path=FILE."""

    kind = "points"

    def __init__(self, path: str = "", key: str = ""):
        if not path:
            raise GanlabError("dataset 'points' needs a file: --set data.path=points.npy (an (N, D) array)")
        p = Path(path).expanduser()
        if not p.is_file():
            raise GanlabError(f"data.path {path!r} does not exist")
        try:
            loaded = np.load(p, allow_pickle=False)
        except Exception as exc:
            raise GanlabError(f"data.path {path!r} is not a .npy/.npz array file ({exc})") from None
        if isinstance(loaded, np.lib.npyio.NpzFile):
            names = list(loaded.files)
            if key:
                if key not in names:
                    raise GanlabError(f"data.key {key!r} is not in {path!r}; it holds {', '.join(names)}")
                arr = loaded[key]
            elif len(names) == 1:
                arr = loaded[names[0]]
            else:
                raise GanlabError(f"{path!r} holds several arrays ({', '.join(names)}); pick one with --set data.key=NAME")
        else:
            arr = loaded
        if arr.ndim != 2 or arr.shape[0] < 1 or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
            raise GanlabError(f"data.path {path!r} must hold a real-valued (N, D) array, got shape {arr.shape} of {arr.dtype}")
        if not np.isfinite(arr).all():
            raise GanlabError(f"data.path {path!r} contains NaN or infinite values")
        with np.errstate(over="ignore"):
            values = np.asarray(arr, dtype=np.float32)
        if not np.isfinite(values).all():
            raise GanlabError(f"data.path {path!r} holds values beyond float32's range (|x| > 3.4e38); rescale them")
        self.tensor = torch.from_numpy(values)
        self.shape = (arr.shape[1],)
