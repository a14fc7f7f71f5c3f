"""One small registry for named components of one kind (architectures, losses, ...).

>>> from ganlab.registry import Registry
>>> reg = Registry("loss")
>>> def hinge(margin: float = 1.0):
...     "Hinge loss (Lim & Ye 2017)."
...     return ("hinge", margin)
>>> _ = reg.add("hinge", hinge, plugin="mine", aliases=("svm",))
>>> reg.create("svm", margin=2.0)
('hinge', 2.0)
>>> reg.get("hinge").description
'Hinge loss (Lim & Ye 2017).'
>>> reg.add("hinge", hinge, plugin="other")            # a clash keeps the first, and says how to choose
Traceback (most recent call last):
...
ganlab.registry.NameClash: loss 'hinge' is also registered by plugin 'mine', which keeps the name (it loaded first); use 'other:hinge' for this one, or disable a plugin with GANLAB_DISABLE_PLUGINS
>>> reg.get("other:hinge").plugin
'other'

A factory is a callable or a lazy ``"module:attribute"`` string, so that listing components never
imports torch: a string factory's description is read from its docstring without importing it.
An unknown name lists what is known and the closest match.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import importlib.util
import inspect
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from ganlab.errors import GanlabError
from ganlab.kinds import KINDS

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class NameClash(GanlabError):
    """A name or alias is taken; the registration was kept under its qualified name only."""


class UnknownNameError(GanlabError):
    pass


@dataclass
class Entry:
    """A registered component: its name, how to build it, and who registered it."""

    name: str
    factory: Callable[..., Any] | str
    plugin: str
    kind: str = "component"
    aliases: tuple[str, ...] = ()
    given_description: str | None = None
    _resolved: Any = field(default=None, repr=False)

    @property
    def qualified(self) -> str:
        """``plugin:name``: always names this registration, even when another plugin holds ``name``."""
        return f"{self.plugin}:{self.name}"

    @property
    def description(self) -> str:
        if self.given_description is not None:
            return self.given_description
        if isinstance(self.factory, str) and self._resolved is None:
            return static_docstring(self.factory) or ""
        return first_line(self.load())

    def load(self) -> Any:
        """The factory itself, importing it first if it was registered as ``"module:attr"``. A
        string that does not resolve is a one-line error naming the plugin."""
        if self._resolved is None:
            if isinstance(self.factory, str):
                try:
                    self._resolved = resolve_string(self.factory)
                except Exception as exc:
                    raise GanlabError(
                        f"plugin {self.plugin!r}: {self.kind} {self.name!r} is registered as {self.factory!r}, which "
                        f"cannot be loaded ({type(exc).__name__}: {exc})"
                    ) from None
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
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is not p.empty and n != "self"
        }

    def static_problem(self) -> str | None:
        """Why a lazy factory string would not load, found without importing it; else None."""
        return static_problem(self.factory) if isinstance(self.factory, str) and self._resolved is None else None


def resolve_string(target: str) -> Any:
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        raise ValueError("expected 'module:attribute'")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def first_line(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


@lru_cache(maxsize=None)
def _module_tree(module: str) -> ast.Module | None:
    """The parsed source of ``module``, found without executing it (None if it has no source)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    try:
        with open(spec.origin, encoding="utf-8") as f:
            return ast.parse(f.read())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def _top_level(tree: ast.Module) -> dict[str, ast.AST]:
    names: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    names[target.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = node
    return names


def static_docstring(target: str) -> str | None:
    module, _, attr = target.partition(":")
    loaded = sys.modules.get(module)
    if loaded is not None:
        try:
            return first_line(resolve_string(target))
        except Exception:
            return None
    tree = _module_tree(module)
    if tree is None:
        return None
    node = _top_level(tree).get(attr.split(".")[0])
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        doc = ast.get_docstring(node) or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""
    return None


def static_problem(target: str) -> str | None:
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        return f"{target!r} is not of the form 'module:attribute'"
    if module in sys.modules:  # already imported (the plugin's own module): look, don't parse
        obj: Any = sys.modules[module]
        for part in attr.split("."):
            if not hasattr(obj, part):
                names = [n for n in dir(obj) if not n.startswith("_")]
                close = difflib.get_close_matches(part, names, n=1)
                hint = f"; did you mean {module}:{close[0]}?" if close else ""
                return f"{target!r}: module {module!r} defines no {part!r}{hint}"
            obj = getattr(obj, part)
        return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        return f"{target!r}: module {module!r} cannot be found ({type(exc).__name__}: {exc})"
    if spec is None:
        return f"{target!r}: no module named {module!r}"
    tree = _module_tree(module)
    if tree is None:
        return None  # no source to read (compiled, namespace package): checked when it is built
    names = _top_level(tree)
    head = attr.split(".")[0]
    if head not in names and not any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in tree.body):
        close = difflib.get_close_matches(head, list(names), n=1)
        hint = f"; did you mean {module}:{close[0]}?" if close else ""
        return f"{target!r}: module {module!r} defines no {head!r}{hint}"
    return None


class Registry:
    """Named components of one kind."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}  # qualified name -> entry
        self._lookup: dict[str, str] = {}  # name or alias -> qualified name of the entry holding it

    def add(
        self,
        name: str,
        factory: Callable[..., Any] | str,
        *,
        plugin: str,
        aliases: tuple[str, ...] | list[str] = (),
        description: str | None = None,
    ) -> Entry:
        """Register ``name``. Raises :class:`NameClash` (after registering what it could) when the
        name or an alias is taken, and ``GanlabError`` (registering nothing) for a malformed one."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise GanlabError(f"{self.kind} name {name!r} is not lowercase-and-hyphens (like 'dcgan' or 'mode-coverage')")
        if not (callable(factory) or isinstance(factory, str)):
            raise GanlabError(f"{self.kind} {name!r}: the factory must be a callable or a 'module:attribute' string, got {factory!r}")
        entry = Entry(name, factory, plugin, self.kind, (), description)
        if entry.qualified in self._entries:
            raise GanlabError(f"{self.kind} {name!r} is registered twice by plugin {plugin!r}")
        self._entries[entry.qualified] = entry
        clashes = []
        if name in self._lookup:
            clashes.append(
                f"{self.kind} {name!r} is also registered by plugin {self._owner(name)!r}, which keeps the name (it loaded "
                f"first); use {entry.qualified!r} for this one, or disable a plugin with GANLAB_DISABLE_PLUGINS"
            )
        else:
            self._lookup[name] = entry.qualified
        kept = []
        for alias in aliases:
            if not isinstance(alias, str) or not _NAME.match(alias):
                clashes.append(f"{self.kind} {name!r}: alias {alias!r} is not lowercase-and-hyphens; dropped the alias")
            elif alias in self._lookup:
                clashes.append(f"{self.kind} {name!r}: alias {alias!r} is taken by plugin {self._owner(alias)!r}'s "
                               f"{self._entries[self._lookup[alias]].name!r}; dropped the alias, kept {name!r}")  # fmt: skip
            else:
                self._lookup[alias] = entry.qualified
                kept.append(alias)
        entry.aliases = tuple(kept)
        if clashes:
            raise NameClash("; ".join(clashes))
        return entry

    def _owner(self, name: str) -> str:
        return self._entries[self._lookup[name]].plugin

    def remove_plugin(self, plugin: str) -> None:
        """Forget everything one plugin registered (used when a plugin is unregistered)."""
        for q in [q for q, e in self._entries.items() if e.plugin == plugin]:
            del self._entries[q]
        self._lookup = {n: q for n, q in self._lookup.items() if q in self._entries}

    def get(self, name: str) -> Entry:
        q = name if name in self._entries and ":" in name else self._lookup.get(name)
        if q is None:
            raise UnknownNameError(self.unknown_message(name))
        return self._entries[q]

    def create(self, name: str, /, **kwargs: Any) -> Any:
        return self.get(name).load()(**kwargs)

    def canonical(self, name: str) -> str:
        """The name a config records: the plain name for the entry holding it, else ``plugin:name``."""
        entry = self.get(name)
        return entry.name if self._lookup.get(entry.name) == entry.qualified else entry.qualified

    def unknown_message(self, name: str) -> str:
        known = sorted({e.name for e in self._entries.values()})
        word = next((k.word for k in KINDS if k.name == self.kind), self.kind)
        if not known:
            return (f"unknown {self.kind} {name!r}: no {word} are registered (is the plugin that provides them "
                    "disabled by GANLAB_DISABLE_PLUGINS?)")  # fmt: skip
        close = difflib.get_close_matches(name, list(self._lookup), n=1, cutoff=0.5)
        hint = f" Did you mean {self._entries[self._lookup[close[0]]].name}?" if close else ""
        return f"unknown {self.kind} {name!r}.{hint} Known: {', '.join(known)} (`ganlab list {word}` describes them)."

    def __contains__(self, name: str) -> bool:
        return name in self._lookup or (":" in name and name in self._entries)

    def __iter__(self):
        return iter(sorted(self._entries.values(), key=lambda e: (e.name, e.plugin)))

    def __len__(self) -> int:
        return len(self._entries)
