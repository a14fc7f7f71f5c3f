"""A condition that must hold at every logging point for a span of steps before it counts."""

from __future__ import annotations


class Sustained:
    """``update(step, cond)`` -> True once ``cond`` has held at every check for >= ``span`` steps."""

    def __init__(self, span: int):
        self.span = span
        self.since: int | None = None  # first step of the current run of True checks
        self.last_step = 0

    def update(self, step: int, cond: bool) -> bool:
        if not cond:
            self.since = None
        elif self.since is None:
            self.since = self.last_step  # the condition held over the interval that just ended
        self.last_step = step
        return self.since is not None and step - self.since >= self.span
