"""Writing a run directory's files safely: atomically, never through a symbolic link.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_json(d / "a.json", {"x": 1})
>>> (d / "a.json").read_text()
'{\\n  "x": 1\\n}\\n'

A rewrite goes to a temporary file beside the target (``.NAME.XXXX.tmp``), is flushed to disk and
renamed over the target, so a reader, a crash or a full disk never sees half a file. A write
whose path is a symbolic link is refused: ganlab writes only inside the run directory.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from ganlab.errors import GanlabError

TEMP_GLOB = ".*.tmp"  # what atomic_write leaves behind if killed mid-write; removed at the next start


def refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise GanlabError(f"{str(path)!r} is a symbolic link; ganlab writes only inside the run directory (replace the link with a file)")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory and rename: never a half-written file."""
    refuse_link(path)
    refuse_link(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def dumps(data: Any, indent: int | None = 2) -> str:
    """JSON with NaN and infinities written as null (strict JSON), so any reader can parse it."""
    return json.dumps(_finite_or_none(data), indent=indent, default=_jsonable, allow_nan=False)


def _finite_or_none(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite_or_none(v) for v in obj]
    return obj


def write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, (dumps(data) + "\n").encode())


def write_toml(path: Path, data: dict[str, Any]) -> None:
    import tomli_w

    atomic_write_bytes(path, tomli_w.dumps(data).encode())


def open_append(path: Path):
    """``path`` opened for appending text, refusing a symbolic link (O_NOFOLLOW)."""
    refuse_link(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise GanlabError(f"cannot write {str(path)!r}: {exc.strerror}") from None
    return os.fdopen(fd, "a", encoding="utf-8")


def read_json_lines(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The records of a JSON-lines file that are objects with an integer ``step``, and how many
    lines were skipped (cut short by a crash, or not records)."""
    out, bad = [], 0
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError):
        return out, 0
    lines = [line for line in text.splitlines() if line.strip()]
    try:  # the common case, every line a record: one parse of them all (compare reads 10,000 files)
        records = json.loads("[" + ",".join(lines) + "]")
    except json.JSONDecodeError:
        records = None
    if records is None or len(records) != len(lines):  # a line cut short, or two values on one: line by line
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                records.append(None)
    for rec in records:
        if isinstance(rec, dict) and isinstance(rec.get("step"), int) and not isinstance(rec.get("step"), bool):
            out.append(rec)
        else:
            bad += 1
    return out, bad
