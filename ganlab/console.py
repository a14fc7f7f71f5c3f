"""The one shared Rich console (stdout). Warnings go to stderr as plain lines (click.secho)."""

from __future__ import annotations

from functools import lru_cache

from rich.console import Console


@lru_cache(maxsize=None)
def console() -> Console:
    return Console(highlight=False)
