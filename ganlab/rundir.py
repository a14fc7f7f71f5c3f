"""The run directory: where a run's config, metrics, summary, checkpoints and samples live.

    runs/mlp-nonsat-ring8-s0-20261124-101500/
      config.toml          the fully resolved config (resume reads it)
      metrics.jsonl        one JSON object per logging step / evaluation, flushed as written
      summary.json         status, final step, steps_per_second, final metrics
      checkpoints/         last.pt (and step-XXXXXX.pt), written atomically
      samples/             pictures of generated samples

The format is documented in docs/run-directory.md.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from ganlab.errors import GanlabError

CONFIG = "config.toml"
METRICS = "metrics.jsonl"
SUMMARY = "summary.json"


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG

    @property
    def metrics_path(self) -> Path:
        return self.path / METRICS

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def samples(self) -> Path:
        return self.path / "samples"

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoints / "last.pt"

    def is_run(self) -> bool:
        return self.config_path.is_file()

    def create(self) -> None:
        """Make the directory for a new run; refuse one that already holds a run."""
        if self.is_run():
            raise GanlabError(
                f"{str(self.path)!r} already holds a run; `ganlab resume {self.path}` continues it, "
                "or choose another --out"
            )
        if self.path.exists() and not self.path.is_dir():
            raise GanlabError(f"--out {str(self.path)!r} is a file, not a directory")
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        self.samples.mkdir(parents=True, exist_ok=True)

    def read_summary(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.summary_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def read_metrics(self) -> list[dict[str, Any]]:
        """Every complete record of metrics.jsonl; a truncated last line is skipped."""
        out = []
        try:
            lines = self.metrics_path.read_text().splitlines()
        except FileNotFoundError:
            return out
        for line in lines:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out


def default_run_dir(root: str | Path, stem: str) -> Path:
    """A fresh directory under ``root``: ``STEM-YYYYmmdd-HHMMSS`` (with -2, -3 ... if taken)."""
    base = Path(root) / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory and rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2, default=_jsonable) + "\n").encode())


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import io

    import torch

    buf = io.BytesIO()
    torch.save(state, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: Path) -> dict[str, Any]:
    import torch

    if not path.is_file():
        raise GanlabError(f"no checkpoint at {str(path)!r}: the run never saved one")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise GanlabError(f"checkpoint {str(path)!r} cannot be read ({type(exc).__name__}: {exc})") from None
