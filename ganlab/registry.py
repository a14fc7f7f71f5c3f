"""One small registry for named components (architectures, losses, diagnostics, datasets).

    reg = Registry("architecture")
    reg.add("mlp", factory, plugin="mlp", aliases=("goodfellow",))
    reg.create("mlp", data_shape=(2,), width=128)

A factory is a callable or a lazy ``"module:attribute"`` string, so that listing components never
imports torch. A duplicate name is an error naming both plugins; an unknown name lists what is known
and the closest match.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ganlab.errors import GanlabError

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# What `ganlab list KIND` calls each registry, for the hint in an unknown-name error.
_LIST_WORD = {"architecture": "archs", "loss": "losses", "diagnostic": "diagnostics", "dataset": "datasets", "regularizer": "regularizers"}


class DuplicateNameError(GanlabError):
    pass


class UnknownNameError(GanlabError):
    pass


@dataclass
class Entry:
    """A registered component: its name, how to build it, and who registered it."""

    name: str
    factory: Callable[..., Any] | str
    plugin: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    _resolved: Any = field(default=None, repr=False)

    def load(self) -> Any:
        """The factory itself, importing it first if it was registered as ``"module:attr"``."""
        if self._resolved is None:
            if isinstance(self.factory, str):
                module, _, attr = self.factory.partition(":")
                obj: Any = importlib.import_module(module)
                for part in attr.split("."):
                    obj = getattr(obj, part)
                self._resolved = obj
            else:
                self._resolved = self.factory
        return self._resolved

    def options(self) -> dict[str, inspect.Parameter]:
        """The keyword options the factory accepts (those with defaults), by name."""
        factory = self.load()
        target = factory.__init__ if inspect.isclass(factory) else factory
        params = inspect.signature(target).parameters
        return {
            n: p
            for n, p in params.items()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
            and p.default is not p.empty
            and n != "self"
        }


def first_line(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


class Registry:
    """Named components of one kind."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}
        self._lookup: dict[str, str] = {}  # name or alias -> name

    def add(
        self,
        name: str,
        factory: Callable[..., Any] | str,
        *,
        plugin: str,
        aliases: tuple[str, ...] | list[str] = (),
        description: str | None = None,
    ) -> Entry:
        for n in (name, *aliases):
            if not isinstance(n, str) or not _NAME.match(n):
                raise GanlabError(
                    f"plugin {plugin!r}: {self.kind} name {n!r} is not lowercase-and-hyphens "
                    "(like 'dcgan' or 'mode-coverage')"
                )
            if n in self._lookup:
                owner = self._entries[self._lookup[n]].plugin
                raise DuplicateNameError(
                    f"{self.kind} name {n!r} from plugin {plugin!r} is already registered "
                    f"by plugin {owner!r}"
                )
        if description is None:
            description = "" if isinstance(factory, str) else first_line(factory)
        entry = Entry(name, factory, plugin, tuple(aliases), description)
        self._entries[name] = entry
        for n in (name, *aliases):
            self._lookup[n] = name
        return entry

    def remove_plugin(self, plugin: str) -> None:
        """Forget everything one plugin registered (used when a plugin is unregistered)."""
        for name in [n for n, e in self._entries.items() if e.plugin == plugin]:
            entry = self._entries.pop(name)
            for n in (name, *entry.aliases):
                self._lookup.pop(n, None)

    def get(self, name: str) -> Entry:
        try:
            return self._entries[self._lookup[name]]
        except KeyError:
            raise UnknownNameError(self.unknown_message(name)) from None

    def create(self, name: str, /, **kwargs: Any) -> Any:
        return self.get(name).load()(**kwargs)

    def unknown_message(self, name: str) -> str:
        known = sorted(self._entries)
        close = difflib.get_close_matches(name, list(self._lookup), n=1, cutoff=0.5)
        hint = f" Did you mean {self._lookup[close[0]]}?" if close else ""
        listing = ", ".join(known) if known else "none"
        word = _LIST_WORD.get(self.kind, self.kind)
        return (
            f"unknown {self.kind} {name!r}.{hint} Known: {listing} "
            f"(`ganlab list {word}` describes them)."
        )

    def __contains__(self, name: str) -> bool:
        return name in self._lookup

    def __iter__(self):
        return iter(sorted(self._entries.values(), key=lambda e: e.name))

    def __len__(self) -> int:
        return len(self._entries)
