"""The run directory: ganlab's own file format, written by the core (plugins only add to it).

    runs/mlp-nonsat-ring8-s0-20261124-101500/
      config.toml          the fully resolved config (resume reads it)
      metrics.jsonl        one JSON object per logging point and per evaluation, flushed as written
      summary.json         status, final step, speed, final and best metrics (rundir.summary)
      checkpoints/         last.pt; best.pt and step-XXXXXX.pt when asked for; index.json (rundir.checkpoint)
      evals/               post-hoc results of `ganlab eval`, one JSON file each
      samples/             pictures of generated samples (the pictures plugin)
      error.log            the traceback of a failure
      .lock                held by the one live process that owns the run (rundir.lock)

>>> import tempfile, pathlib
>>> rd = RunDir(pathlib.Path(tempfile.mkdtemp()) / "r")
>>> rd.is_run(), rd.config_path.name, rd.checkpoint_path("best").name
(False, 'config.toml', 'best.pt')

Guarantees, as docs/run-directory.md states them: every rewrite is atomic (a temporary file
renamed over the old one); nothing is written through a symbolic link; ganlab removes only files
it wrote (by their names in this format), never a directory or file of the user's.
"""

from __future__ import annotations

import json
import os
import time
import tomllib
from pathlib import Path
from typing import Any

from ganlab.errors import GanlabError
from ganlab.rundir import summary as summary_schema
from ganlab.rundir.files import TEMP_GLOB, atomic_write_bytes, open_append, read_json_lines, refuse_link, write_json, write_toml
from ganlab.rundir.lock import RunLock

CONFIG = "config.toml"
METRICS = "metrics.jsonl"
SUMMARY = "summary.json"
ERROR_LOG = "error.log"
LOCK = ".lock"
# Files and folders of this format: what `ganlab run` may remove when it restarts a run that never
# reached a checkpoint (and nothing else).
OWN_FILES = (CONFIG, METRICS, SUMMARY, ERROR_LOG)
OWN_PATTERNS = {"checkpoints": ("*.pt", "index.json", TEMP_GLOB), "samples": ("step-*.png", "final.png", TEMP_GLOB)}


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    # -- paths -----------------------------------------------------------------------------

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
    def error_path(self) -> Path:
        return self.path / ERROR_LOG

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def samples(self) -> Path:
        return self.path / "samples"

    @property
    def evals(self) -> Path:
        return self.path / "evals"

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoint_path("last")

    def checkpoint_path(self, which: str | int) -> Path:
        """``last``, ``best``, or a step number (a kept snapshot ``step-XXXXXX.pt``)."""
        name = f"step-{which:06d}.pt" if isinstance(which, int) else f"{which}.pt"
        return self.checkpoints / name

    def is_run(self) -> bool:
        return self.config_path.is_file()

    # -- owning and creating ---------------------------------------------------------------

    def lock(self, what: str) -> RunLock:
        """Own this run directory for the life of the process (or until released)."""
        self._mkdir(self.path)
        return RunLock(self.path / LOCK, what).acquire()

    def check_links(self) -> None:
        """Refuse a run directory whose files or folders are symbolic links to elsewhere."""
        for p in (self.config_path, self.metrics_path, self.summary_path, self.error_path, self.checkpoints, self.samples,
                  self.evals, self.last_checkpoint, self.checkpoint_path("best"), self.checkpoints / "index.json"):  # fmt: skip
            refuse_link(p)

    def create(self) -> None:
        """Make the directory for a new run; refuse one that already holds a run."""
        if self.is_run():
            raise GanlabError(f"{str(self.path)!r} already holds a run; `ganlab resume {self.path}` continues it, or choose another --out")
        if self.path.exists() and not self.path.is_dir():
            raise GanlabError(f"--out {str(self.path)!r} is a file, not a directory")
        self.check_links()
        for d in (self.path, self.checkpoints, self.samples):
            self._mkdir(d)

    def _mkdir(self, d: Path) -> None:
        try:
            d.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise GanlabError(f"cannot make directory {str(d)!r}: a file of that name is in the way") from None
        except OSError as exc:
            raise GanlabError(f"cannot make directory {str(d)!r}: {exc.strerror}") from None
        if not os.access(d, os.W_OK):
            raise GanlabError(f"cannot write in {str(d)!r}: permission denied (or a read-only filesystem)")

    def clean_temp(self) -> None:
        """Remove temporary files an atomic write left when its process was killed mid-write."""
        for d in (self.path, self.checkpoints, self.samples, self.evals):
            if d.is_dir() and not d.is_symlink():
                for tmp in d.glob(TEMP_GLOB):
                    tmp.unlink(missing_ok=True)

    def reset(self) -> None:
        """Forget a run that never reached a checkpoint: remove ganlab's own files (by name),
        leaving anything else in the directory alone."""
        for name in OWN_FILES:
            p = self.path / name
            if p.is_file() and not p.is_symlink():
                p.unlink()
        for sub, patterns in OWN_PATTERNS.items():
            d = self.path / sub
            if d.is_dir() and not d.is_symlink():
                for pattern in patterns:
                    for p in d.glob(pattern):
                        if p.is_file() and not p.is_symlink():
                            p.unlink()

    # -- reading ---------------------------------------------------------------------------

    def read_config(self) -> dict[str, Any]:
        """config.toml as nested data, with one-line errors."""
        try:
            with self.config_path.open("rb") as f:
                return tomllib.load(f)
        except FileNotFoundError:
            raise GanlabError(f"{str(self.path)!r} is not a run directory (no config.toml)") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise GanlabError(f"{str(self.config_path)!r} is not valid TOML ({exc})") from None
        except OSError as exc:
            raise GanlabError(f"cannot read {str(self.config_path)!r}: {exc.strerror}") from None

    def read_summary(self) -> dict[str, Any] | None:
        """summary.json if it exists and is well-formed, else None (see :meth:`summary_problem`)."""
        return self.summary_and_problem()[0]

    def summary_problem(self) -> str | None:
        return self.summary_and_problem()[1]

    def summary_and_problem(self) -> tuple[dict[str, Any] | None, str | None]:
        """summary.json and what is wrong with it, in one read: (data, None) or (None, why)."""
        data, why = self._summary()
        return (data, None) if why is None else (None, why)

    def _summary(self) -> tuple[Any, str | None]:
        try:
            data = json.loads(self.summary_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None, "no summary.json (still running, or stopped without one)"
        except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
            return None, f"summary.json is not valid JSON ({type(exc).__name__})"
        why = summary_schema.problem(data)
        return data, (f"summary.json: {why}" if why else None)

    def read_metrics(self) -> list[dict[str, Any]]:
        """Every complete record of metrics.jsonl; a truncated or malformed line is skipped."""
        return read_json_lines(self.metrics_path)[0]

    def read_checkpoint_index(self) -> dict[str, Any]:
        """checkpoints/index.json: which step each checkpoint holds ({} for runs of ganlab 0.1)."""
        try:
            data = json.loads((self.checkpoints / "index.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError, OSError):
            return {}
        return data if isinstance(data, dict) else {}

    # -- writing ---------------------------------------------------------------------------

    def write_config(self, config: dict[str, Any]) -> None:
        write_toml(self.config_path, config)

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_json(self.summary_path, summary)

    def write_checkpoint_index(self, index: dict[str, Any]) -> None:
        write_json(self.checkpoints / "index.json", index)

    def write_error(self, text: str) -> None:
        atomic_write_bytes(self.error_path, text.encode())

    def metrics_log(self, keep_through: int | None = None) -> MetricsLog:
        """metrics.jsonl opened for appending; with ``keep_through`` (resuming from that step),
        records past it (training the checkpoint does not hold) are first dropped, atomically."""
        if keep_through is not None and self.metrics_path.exists():
            records, _ = read_json_lines(self.metrics_path)
            kept = "".join(json.dumps(r) + "\n" for r in records if r["step"] <= keep_through)
            atomic_write_bytes(self.metrics_path, kept.encode())
        return MetricsLog(open_append(self.metrics_path))


class MetricsLog:
    """Appends one JSON record per line, flushed as written, so readers follow a live run."""

    def __init__(self, f: Any):
        self.f = f

    def write(self, record: dict[str, Any]) -> None:
        from ganlab.rundir.files import dumps

        self.f.write(dumps(record, indent=None) + "\n")
        self.f.flush()

    def close(self) -> None:
        self.f.close()


def default_run_dir(root: str | Path, stem: str) -> Path:
    """A fresh directory under ``root``: ``STEM-YYYYmmdd-HHMMSS`` (with -2, -3 ... if taken)."""
    base = Path(root) / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


__all__ = ["RunDir", "MetricsLog", "default_run_dir", "write_json", "write_toml", "CONFIG", "METRICS", "SUMMARY"]
