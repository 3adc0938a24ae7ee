"""Plugin manager: built-in plugins, external ones by entry point, per-plugin hook calls."""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
from collections.abc import Iterable
from typing import Any

import pluggy

from kernel import hookspecs

log = logging.getLogger("onetrip.plugins")
hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)

# Built-in departments are ordinary plugins, registered in this order.
BUILTIN_PLUGINS = (
    "plugins.natural_resources",
    "plugins.credit",
    "plugins.oa",
)
ENTRY_POINT_GROUP = "onetrip.plugins"
DISABLE_ENV = "ONETRIP_DISABLE_PLUGINS"


class PluginError(RuntimeError):
    """A plugin raised inside a hook; names both."""

    def __init__(self, plugin: str, hook: str, exc: BaseException):
        self.plugin, self.hook, self.exc = plugin, hook, exc
        super().__init__(f"plugin {plugin} failed in {hook}: {type(exc).__name__}: {exc}")


def disabled_from_env() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def _instance(obj: Any) -> Any:
    """A module exposing ``Plugin`` gives a fresh instance, so kernels never share state."""
    factory = getattr(obj, "Plugin", obj)
    return factory() if isinstance(factory, type) else factory


def build_manager(extra: Iterable[tuple[str, Any]] = (), disabled: set[str] | None = None,
                  builtins: Iterable[str] = BUILTIN_PLUGINS,
                  entry_points: bool = True) -> pluggy.PluginManager:
    """A fresh manager with the built-in, entry-point and ``extra`` (name, plugin) plugins."""
    disabled = disabled_from_env() if disabled is None else disabled
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    found: list[tuple[str, Any]] = [(p.rsplit(".", 1)[-1], importlib.import_module(p))
                                    for p in builtins]
    if entry_points:
        found += [(ep.name, ep) for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
    for name, obj in [*found, *extra]:
        if name in disabled:
            log.info("plugin %s is disabled by %s", name, DISABLE_ENV)
            continue
        if isinstance(obj, importlib.metadata.EntryPoint):
            obj = obj.load()
        pm.register(_instance(obj), name=name)
    pm.check_pending()
    return pm


def call_each(pm: pluggy.PluginManager, hook: str, registry: Any = None,
              **kwargs: Any) -> list[tuple[str, Any]]:
    """Call one hook plugin by plugin, in registration order, attributing errors.

    ``registry.plugin`` is set to the calling plugin's name, so what it adds is its own.
    """
    out = []
    for impl in getattr(pm.hook, hook).get_hookimpls():
        if registry is not None:
            registry.plugin = impl.plugin_name
        try:
            out.append((impl.plugin_name, impl.function(*(kwargs[a] for a in impl.argnames))))
        except Exception as exc:
            raise PluginError(impl.plugin_name, hook, exc) from exc
        finally:
            if registry is not None:
                registry.plugin = "kernel"
    return out


def describe(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Name, version and implemented hooks of every registered plugin."""
    rows = []
    for name, plugin in pm.list_name_plugin():
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
        version = getattr(plugin, "version", None) or getattr(
            importlib.import_module(type(plugin).__module__), "__version__", None)
        rows.append({"name": name, "version": version, "hooks": hooks,
                     "doc": (type(plugin).__doc__ or "").strip().splitlines()[0:1]})
    return rows
