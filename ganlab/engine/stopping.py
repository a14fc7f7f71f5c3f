"""Stopping a run from outside: Ctrl-C (SIGINT) and SIGTERM, the signal ``kill``, Slurm's
``scancel`` or preemption, Kubernetes and systemd send before they kill.

    with stop_on_signals() as stop:
        while not stop.requested:
            ...                                  # a second Ctrl-C raises KeyboardInterrupt here
    stop.signal                                  # "SIGTERM" if one came, else "SIGINT"
    # then, once the run is saved: raise Terminated(run) if it was SIGTERM (ganlab.api does);
    # a loop without steps (a sweep) checks `with sigterm_requests() as term: ... term.requested`

The first signal asks the loop to stop at the next step boundary, so the run ends with a
checkpoint of the step it stopped at and a summary (status ``interrupted``). A second Ctrl-C
stops at once (still with a summary; the last checkpoint stands). SIGTERM never escalates: the
sender waits a grace period and then kills, so the one useful answer is the orderly stop, and a
sweep forwarding a stop to its runs must not turn a terminal's Ctrl-C into a second one. After
Ctrl-C the caller carries on (``ganlab.train`` returns the interrupted run); after SIGTERM the
process ends once the run is saved (:class:`Terminated`), as it was asked to.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop:
    requested = False
    signal: str | None = None  # SIGTERM if it came at all, else SIGINT


@contextmanager
def stop_on_signals(patient: bool = False) -> Iterator[Stop]:
    """SIGINT and SIGTERM ask the loop to stop at the next step boundary. A second SIGINT
    interrupts at once (a SIGINT after a SIGTERM is a first one: a sweep's run gets the terminal's
    Ctrl-C and the sweep's SIGTERM in either order), unless ``patient``: with several processes,
    whose launcher forwards the terminal's SIGINT once more, the ranks wait for their agreed stop."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    interrupts = []

    def handler(signum: int, frame: Any) -> None:
        if signum == signal.SIGINT:
            if interrupts and not patient:  # a second Ctrl-C
                raise KeyboardInterrupt
            interrupts.append(signum)
        if not stop.requested or signum == signal.SIGTERM:  # SIGTERM, once seen, is what the process must answer
            stop.requested, stop.signal = True, signal.Signals(signum).name

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield stop
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


class Terminated(SystemExit):
    """SIGTERM asked this process to end. Raised once what was running is saved (a run's
    checkpoint and summary; a sweep's runs stopped), so that a script ends as asked, with the
    status a shell reports for SIGTERM (143), unless it catches this. ``run``: the run it stopped
    (``ganlab.train``/``ganlab.resume``), or None (a sweep). In a Ray task the worker exits, and Ray
    retries the task, which resumes from that checkpoint."""

    def __init__(self, run: Any = None):
        super().__init__(143)
        self.run = run


@contextmanager
def sigterm_requests() -> Iterator[Stop]:
    """Within: SIGTERM sets ``.requested`` on the object yielded, for a loop without steps (a
    sweep) to check at a point where it is safe to stop (never halfway through starting a run)."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        stop.requested, stop.signal = True, "SIGTERM"

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)
