"""The exception types a user sees as one line.

``GanlabError`` is a mistake the user can fix (a bad option, a missing file); any component may
raise it, and the CLI prints it as one ``Error: ...`` line. ``PluginError`` is a bug in a plugin
(its code raised something else): one line naming the component and its plugin, with the
traceback kept for the run's ``error.log`` (or stderr with ``GANLAB_TRACE_PLUGINS=1``).

>>> str(GanlabError("data.std must be positive, got -1"))
'data.std must be positive, got -1'
"""


class GanlabError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class PluginError(GanlabError):
    """A plugin's code raised an unexpected exception; ``trace`` holds its traceback."""

    def __init__(self, message: str, trace: str = ""):
        super().__init__(message)
        self.trace = trace
