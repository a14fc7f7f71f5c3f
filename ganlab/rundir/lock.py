"""One live owner per run directory: an advisory lock the kernel releases when its process dies.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with RunLock(d / ".lock", "ganlab run"):
...     RunLock(d / ".lock", "ganlab resume").acquire()
Traceback (most recent call last):
...
ganlab.errors.GanlabError: ... is in use by process ... (ganlab run, since ...); wait for it to finish or stop it

``fcntl.flock`` on ``RUN/.lock``: a second process (run, resume, a sweep's worker, another
machine on a shared filesystem that honours locks) gets one line naming the owner. A crashed or
killed owner leaves no stale lock: the lock dies with its process, whatever the file says.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from ganlab.errors import GanlabError


class RunLock:
    def __init__(self, path: Path, what: str):
        self.path, self.what = Path(path), what
        self.fd: int | None = None

    def acquire(self) -> RunLock:
        import fcntl

        if self.path.is_symlink():
            raise GanlabError(f"{str(self.path)!r} is a symbolic link; ganlab writes only inside the run directory")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise GanlabError(f"cannot write in {str(self.path.parent)!r}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner = _read_owner(fd)
            os.close(fd)
            raise GanlabError(f"{str(self.path.parent)!r} is in use by {owner}; wait for it to finish or stop it") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "what": self.what,
                                 "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())  # fmt: skip
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_owner(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"process {info['pid']} on {info['host']} ({info['what']}, since {info['since']})"
    except (ValueError, KeyError, OSError, TypeError):
        return "another process"
