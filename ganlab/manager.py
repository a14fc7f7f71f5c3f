"""Plugin loading: entry points, registries, and what went wrong.

>>> from ganlab.manager import get_manager
>>> m = get_manager()                                   # loads every installed plugin once
>>> m.registry("architecture").get("mlp").plugin
'archs'
>>> sorted(m.plugins)[:3]
['archs', 'datasets', 'diagnostics']

Every plugin, built-in or not, comes from the ``ganlab`` entry-point group and is loaded in a fixed
order: ganlab's own first, then third-party plugins sorted by distribution name, then entry-point
name. When two register one name, the first loaded keeps it and the other is reachable as
``plugin:name``. Registration hooks are called through pluggy, once per plugin as it loads, so
tracing sees them and every component is credited to its plugin.

A plugin that fails to import, implements a hook that does not exist, declares an argument a hook
does not have, defines hook functions without ``@ganlab.hookimpl``, raises in a registration hook
or registers a taken name is recorded in ``problems``, one line each, naming it; the rest works.

Environment switches: ``GANLAB_DISABLE_PLUGINS=name,...`` skips plugins;
``GANLAB_TRACE_PLUGINS=1`` prints every hook call, and the traceback of a plugin's error, to stderr.
"""

from __future__ import annotations

import difflib
import inspect
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from ganlab import hookspecs
from ganlab.errors import GanlabError
from ganlab.kinds import KINDS
from ganlab.registry import NameClash, Registry

_SPEC_NAMES = {n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "ganlab_spec")}


def tracing() -> bool:
    return bool(os.environ.get("GANLAB_TRACE_PLUGINS"))


@dataclass
class PluginInfo:
    """One loaded plugin as `ganlab plugins` shows it."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    hooks: list[str] = field(default_factory=list)
    components: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PluginProblem:
    plugin: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin!r}: {self.message}"


class Manager:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("ganlab")
        self.pm.add_hookspecs(hookspecs)
        self.registries = {k.name: Registry(k.name) for k in KINDS}
        self.plugins: dict[str, PluginInfo] = {}
        self.problems: list[PluginProblem] = []
        if tracing():
            self.pm.add_hookcall_monitoring(_trace_before, lambda *a: None)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def report(self, plugin: str, message: str) -> None:
        """Record a problem with one plugin; `ganlab` prints each as a warning line."""
        problem = PluginProblem(plugin, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def registry(self, kind: str) -> Registry:
        return self.registries[kind]

    def provenance(self, plugin: str) -> dict[str, Any]:
        """Which plugin, distribution and version provided a component (recorded in every run)."""
        info = self.plugins.get(plugin)
        if info is None:
            return {"plugin": plugin, "distribution": None, "version": None}
        return {"plugin": plugin, "distribution": info.distribution, "version": info.version}

    # -- loading ---------------------------------------------------------------------------

    def load_entry_points(self) -> None:
        disabled = {n.strip() for n in os.environ.get("GANLAB_DISABLE_PLUGINS", "").split(",") if n.strip()}
        eps = list(metadata.entry_points(group="ganlab"))
        # ganlab's own first; then third-party by distribution name, then entry-point name.
        eps.sort(key=lambda ep: (_dist_name(ep) != "ganlab", _dist_name(ep) or "", ep.name))
        seen: set[str] = set()
        for ep in eps:
            if ep.name in seen:
                self.report(ep.name, f"a second entry point of this name (in {_dist_name(ep)!r}) was ignored")
                continue
            seen.add(ep.name)
            if ep.name in disabled:
                continue
            dist = _dist_name(ep)
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must not break ganlab
                self.report(ep.name, f"failed to import: {type(exc).__name__}: {exc}")
                _trace_exception()
                continue
            version = ep.dist.version if ep.dist is not None else None
            self.add_plugin(module, ep.name, distribution=dist, version=version, builtin=dist == "ganlab")
        for name in sorted(disabled - seen):
            close = difflib.get_close_matches(name, sorted(seen), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.report(name, f"GANLAB_DISABLE_PLUGINS names no installed plugin{hint}; `ganlab plugins` lists them")

    def add_plugin(
        self,
        plugin: ModuleType | object,
        name: str,
        *,
        distribution: str | None = None,
        version: str | None = None,
        builtin: bool = False,
    ) -> bool:
        """Register one plugin and run its registration hooks; False (with a problem) if it is broken."""
        if name in self.plugins:
            raise GanlabError(f"a plugin named {name!r} is already registered")
        refusal = _unknown_hook(plugin) or _bad_arguments(plugin)
        if refusal:
            self.report(name, refusal + "; plugin skipped")
            return False
        try:
            self.pm.register(plugin, name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            self.report(name, "invalid: " + " ".join(str(exc).split()))
            return False
        for fn in _unmarked_hooks(plugin):
            self.report(name, f"defines {fn}() without @ganlab.hookimpl, so ganlab never calls it; mark it with @ganlab.hookimpl")
        info = PluginInfo(
            name=name,
            module=getattr(plugin, "__name__", type(plugin).__name__),
            distribution=distribution,
            version=version,
            builtin=builtin,
            hooks=sorted(hc.name for hc in self.pm.get_hookcallers(plugin) or []),
        )
        self.plugins[name] = info
        for kind in KINDS:
            if kind.hook in info.hooks:
                self._run_registration(plugin, name, kind.name, kind.hook, info)
        return True

    def call_each(self, hookname: str, **kwargs: Any) -> None:
        """Call a hook through pluggy one plugin at a time, so one plugin's exception is reported
        against it and the others still run (``register_commands``)."""
        for impl in getattr(self.pm.hook, hookname).get_hookimpls():
            others = [p for p in self.pm.get_plugins() if p is not impl.plugin]
            try:
                self.pm.subset_hook_caller(hookname, remove_plugins=others)(**kwargs)
            except Exception as exc:
                self.report(impl.plugin_name, f"{hookname} raised {type(exc).__name__}: {exc}")
                _trace_exception()

    def remove_plugin(self, name: str) -> None:
        """Unregister a plugin and everything it registered."""
        self.pm.unregister(name=name)
        for reg in self.registries.values():
            reg.remove_plugin(name)
        self.plugins.pop(name, None)

    def _run_registration(self, plugin: Any, name: str, kind: str, hookname: str, info: PluginInfo) -> None:
        registry = self.registries[kind]

        def register(cname: str, factory: Any, *, aliases: tuple[str, ...] = (), description: str | None = None) -> None:
            try:
                entry = registry.add(cname, factory, plugin=name, aliases=tuple(aliases), description=description)
            except NameClash as exc:
                self.report(name, str(exc))
                entry = registry.get(f"{name}:{cname}")
            except GanlabError as exc:
                self.report(name, f"{exc}; not registered")
                return
            problem = entry.static_problem()  # a lazy "module:attr" that names nothing, found without importing
            if problem:
                self.report(name, f"{kind} {entry.name!r}: {problem}")
            info.components.setdefault(kind, []).append(entry.name)

        others = [p for p in self.pm.get_plugins() if p is not plugin]
        try:  # through pluggy, for this plugin alone: tracing and hook options apply
            self.pm.subset_hook_caller(hookname, remove_plugins=others)(register=register)
        except Exception as exc:
            self.report(name, f"{hookname} raised {type(exc).__name__}: {exc}")
            _trace_exception()


def _dist_name(ep: metadata.EntryPoint) -> str | None:
    return ep.dist.name if ep.dist is not None else None


def _members(plugin: Any) -> list[tuple[str, Any]]:
    out = []
    for attr in dir(plugin):
        try:
            out.append((attr, getattr(plugin, attr)))
        except Exception:
            continue
    return out


def _unknown_hook(plugin: Any) -> str | None:
    """A name marked @ganlab.hookimpl that matches no hookspec (a misspelt hook is never called)."""
    for attr, obj in _members(plugin):
        if callable(obj) and hasattr(obj, "ganlab_impl"):
            opts = getattr(obj, "ganlab_impl") or {}
            if (opts.get("specname") or attr) not in _SPEC_NAMES:
                close = difflib.get_close_matches(attr, sorted(_SPEC_NAMES), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                return f"implements unknown hook {attr!r}{hint}"
    return None


def _bad_arguments(plugin: Any) -> str | None:
    """A hook implementation declaring an argument its hook does not have (pluggy would refuse it
    with three lines): one line that says what the argument must be called."""
    for attr, obj in _members(plugin):
        opts = getattr(obj, "ganlab_impl", None) if callable(obj) else None
        if opts is None:
            continue
        hookname = opts.get("specname") or attr
        if hookname not in _SPEC_NAMES:
            continue
        spec_args = list(inspect.signature(getattr(hookspecs, hookname)).parameters)
        try:
            params = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            continue
        wanted = [p.name for p in params if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        for arg in wanted:
            if arg not in spec_args:
                close = difflib.get_close_matches(arg, spec_args, n=1, cutoff=0.0) if len(spec_args) == 1 else difflib.get_close_matches(arg, spec_args, n=1)
                hint = f"; call it {close[0]!r}" if close else ""
                return (f"{hookname}({', '.join(wanted)}) takes {arg!r}, which the hook does not pass{hint} "
                        f"(the hook is {hookname}({', '.join(spec_args)}))")  # fmt: skip
    return None


def _unmarked_hooks(plugin: Any) -> list[str]:
    """Functions named like hooks but not marked @ganlab.hookimpl: pluggy silently ignores them."""
    return sorted(attr for attr, obj in _members(plugin) if attr in _SPEC_NAMES and callable(obj) and not hasattr(obj, "ganlab_impl"))


def _trace_before(hook_name: str, hook_impls: list, kwargs: dict) -> None:
    names = ", ".join(i.plugin_name for i in hook_impls)
    print(f"ganlab-trace: {hook_name}({', '.join(kwargs)}) -> [{names}]", file=sys.stderr)


def _trace_exception() -> None:
    if tracing():
        import traceback

        traceback.print_exc()


_manager: Manager | None = None


def get_manager() -> Manager:
    """The process-wide manager, loading every installed plugin on first use."""
    global _manager
    if _manager is None:
        _manager = Manager()
        _manager.load_entry_points()
    return _manager


def reset_manager() -> None:
    """Forget the loaded plugins (tests use this after changing the environment)."""
    global _manager
    _manager = None
