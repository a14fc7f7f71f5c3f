"""The one exception type for mistakes a user can fix.

The CLI turns a ``GanlabError`` into a one-line message (``click.ClickException``); anything else
is a bug and keeps its traceback.
"""


class GanlabError(Exception):
    """A problem with the user's input or environment, explained in one line."""
