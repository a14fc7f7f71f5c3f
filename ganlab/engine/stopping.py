"""Ctrl-C during training: the first stops at the next step boundary, the second at once.

    with stop_on_sigint() as stop:
        while not stop.requested:
            ...                                  # a second Ctrl-C raises KeyboardInterrupt here

Either way the run ends with a summary (status ``interrupted``); after the first, also with a
checkpoint of the step it stopped at.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator


class Stop:
    requested = False


@contextmanager
def stop_on_sigint(patient: bool = False) -> Iterator[Stop]:
    """First Ctrl-C asks the loop to stop at the next step boundary (so the checkpoint is
    consistent); a second one interrupts at once, unless ``patient``: with several processes,
    whose launcher forwards the terminal's SIGINT once more, the ranks wait for their agreed stop."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.requested and not patient:
            raise KeyboardInterrupt
        stop.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
