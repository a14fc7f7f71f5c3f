"""Plugin loading: entry points, registries, and what went wrong.

    from ganlab.manager import get_manager
    m = get_manager()              # loads every plugin once
    m.registry("architecture").create("mlp", data_shape=(2,))
    m.hook.on_log(run=..., step=..., metrics=...)

Every plugin, built-in or not, comes from the ``ganlab`` entry-point group. A plugin that fails to
import, implements a hook that does not exist, or registers a name already taken is recorded in
``problems`` with its name and the reason; the others keep working.

Environment switches: ``GANLAB_DISABLE_PLUGINS=name,...`` skips plugins;
``GANLAB_TRACE_PLUGINS=1`` prints every hook call to stderr.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from ganlab import hookspecs
from ganlab.errors import GanlabError
from ganlab.registry import Registry

# registry kind -> the hook that fills it
REGISTRATION_HOOKS = {
    "architecture": "register_architectures",
    "loss": "register_losses",
    "diagnostic": "register_diagnostics",
    "dataset": "register_datasets",
    "regularizer": "register_regularizers",
}
_SPEC_NAMES = {n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "ganlab_spec")}


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
        self.registries = {kind: Registry(kind) for kind in REGISTRATION_HOOKS}
        self.plugins: dict[str, PluginInfo] = {}
        self.problems: list[PluginProblem] = []
        if os.environ.get("GANLAB_TRACE_PLUGINS"):
            self.pm.add_hookcall_monitoring(_trace_before, _trace_after)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def report(self, plugin: str, message: str) -> None:
        """Record a problem with one plugin; `ganlab` prints each as a warning line."""
        self.problems.append(PluginProblem(plugin, message))

    def registry(self, kind: str) -> Registry:
        return self.registries[kind]

    # -- loading ---------------------------------------------------------------------------

    def load_entry_points(self) -> None:
        disabled = {n.strip() for n in os.environ.get("GANLAB_DISABLE_PLUGINS", "").split(",") if n.strip()}
        eps = list(metadata.entry_points(group="ganlab"))
        # Built-ins first, so a third-party plugin can never take a built-in's name.
        eps.sort(key=lambda ep: (_dist_name(ep) != "ganlab", ep.name))
        seen: set[str] = set()
        for ep in eps:
            if ep.name in disabled or ep.name in seen:
                continue
            seen.add(ep.name)
            dist = _dist_name(ep)
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must not break ganlab
                self.report(ep.name, f"failed to import: {type(exc).__name__}: {exc}")
                continue
            version = ep.dist.version if ep.dist is not None else None
            self.add_plugin(module, ep.name, distribution=dist, version=version, builtin=dist == "ganlab")

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
        unknown = _unknown_hooks(plugin)
        if unknown:
            bad, close = unknown[0], difflib.get_close_matches(unknown[0], sorted(_SPEC_NAMES), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.report(name, f"implements unknown hook {bad!r}{hint}; plugin skipped")
            return False
        try:
            self.pm.register(plugin, name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            self.report(name, f"invalid: {exc}")
            return False
        info = PluginInfo(
            name=name,
            module=getattr(plugin, "__name__", type(plugin).__name__),
            distribution=distribution,
            version=version,
            builtin=builtin,
            hooks=sorted(hc.name for hc in self.pm.get_hookcallers(plugin) or []),
        )
        self.plugins[name] = info
        for kind, hookname in REGISTRATION_HOOKS.items():
            self._run_registration(plugin, name, kind, hookname, info)
        return True

    def remove_plugin(self, name: str) -> None:
        """Unregister a plugin and everything it registered."""
        self.pm.unregister(name=name)
        for reg in self.registries.values():
            reg.remove_plugin(name)
        self.plugins.pop(name, None)

    def _run_registration(self, plugin: Any, name: str, kind: str, hookname: str, info: PluginInfo) -> None:
        impls = [i for i in getattr(self.pm.hook, hookname).get_hookimpls() if i.plugin is plugin]
        registry = self.registries[kind]

        def register(cname: str, factory: Any, *, aliases: tuple[str, ...] = (), description: str | None = None) -> None:
            try:
                registry.add(cname, factory, plugin=name, aliases=tuple(aliases), description=description)
            except GanlabError as exc:
                self.report(name, f"{exc}; kept the first one")
                return
            info.components.setdefault(kind, []).append(cname)

        for impl in impls:
            if os.environ.get("GANLAB_TRACE_PLUGINS"):
                print(f"ganlab-trace: {name}.{hookname}(register)", file=sys.stderr)
            try:
                impl.function(**{a: register for a in impl.argnames})
            except Exception as exc:
                self.report(name, f"{hookname} raised {type(exc).__name__}: {exc}")


def _dist_name(ep: metadata.EntryPoint) -> str | None:
    return ep.dist.name if ep.dist is not None else None


def _unknown_hooks(plugin: Any) -> list[str]:
    """Names marked @ganlab.hookimpl that match no hookspec (a misspelt hook would never be called)."""
    out = []
    for attr in dir(plugin):
        obj = getattr(plugin, attr, None)
        if callable(obj) and hasattr(obj, "ganlab_impl") and attr not in _SPEC_NAMES:
            opts = getattr(obj, "ganlab_impl") or {}
            if (opts.get("specname") or attr) not in _SPEC_NAMES:
                out.append(attr)
    return out


def _trace_before(hook_name: str, hook_impls: list, kwargs: dict) -> None:
    names = ", ".join(i.plugin_name for i in hook_impls)
    print(f"ganlab-trace: {hook_name}({', '.join(kwargs)}) -> [{names}]", file=sys.stderr)


def _trace_after(outcome: Any, hook_name: str, hook_impls: list, kwargs: dict) -> None:
    pass


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
