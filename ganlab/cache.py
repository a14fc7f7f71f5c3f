"""A cache of reference features: the real data's features, computed once per protocol.

>>> import tempfile, os, torch
>>> os.environ["GANLAB_CACHE"] = tempfile.mkdtemp()
>>> key = {"dataset": "digits", "options": {"image_size": 32}, "extractor": "digits-cnn:ab12", "real": 1797}
>>> feats, how = cached_features(key, lambda: torch.ones(3, 2))
>>> how
'computed'
>>> cached_features(key, lambda: torch.zeros(3, 2))[1]      # the same protocol again: reused
'cache hit'

The key is the whole protocol of a reference set: the dataset and its options, the extractor and
its weights, the number of real samples, the image size and how they were drawn. A changed input
is a new entry. Entries live in ``GANLAB_CACHE`` (default ``~/.cache/ganlab``, or
``$XDG_CACHE_HOME/ganlab``), one file each, written atomically with a SHA-256 of their contents:
a corrupt, partial or mismatched file is detected, rebuilt and never trusted.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any, Callable

from ganlab.errors import GanlabError

FORMAT = 1


def cache_dir() -> Path:
    root = os.environ.get("GANLAB_CACHE")
    if root:
        return Path(root).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "ganlab"


def _digest(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _payload_sha(tensor: Any) -> str:
    return hashlib.sha256(tensor.detach().cpu().contiguous().numpy().tobytes()).hexdigest()


def cached_features(key: dict[str, Any], compute: Callable[[], Any]) -> tuple[Any, str]:
    """The features for ``key``: from the cache if a sound entry exists, else ``compute()``d and
    stored. Returns them and how they were had: "cache hit", "computed", or "rebuilt (...)"."""
    import torch

    directory = cache_dir()
    path = directory / "reference" / f"{_digest(key)}.pt"
    how = "computed"
    if path.exists():
        try:
            entry = torch.load(path, map_location="cpu", weights_only=True)
            if entry.get("format") != FORMAT or entry.get("key") != json.loads(json.dumps(key, sort_keys=True, default=str)):
                how = "rebuilt (the cached entry was for another protocol)"
            elif _payload_sha(entry["features"]) != entry["sha256"]:
                how = "rebuilt (the cached file was damaged)"
            else:
                return entry["features"], "cache hit"
        except Exception:
            how = "rebuilt (the cached file could not be read)"
    features = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(13, "Permission denied")
        from ganlab.rundir.files import atomic_write_bytes

        buf = io.BytesIO()
        torch.save({"format": FORMAT, "key": json.loads(json.dumps(key, sort_keys=True, default=str)),
                    "features": features, "sha256": _payload_sha(features)}, buf)  # fmt: skip
        atomic_write_bytes(path, buf.getvalue())
    except OSError as exc:
        raise GanlabError(
            f"cannot write the reference cache in {str(directory)!r}: {exc.strerror or exc}; point GANLAB_CACHE at a "
            "writable directory"
        ) from None
    return features, how
