"""Plugin manager: plugins by entry point, switched off by name, hooks called through pluggy."""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import pluggy

from kernel import hookspecs

log = logging.getLogger("onetrip.plugins")
hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)

# Built-in departments, the sandbox and the calendar CLI register here too (pyproject.toml).
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
                  entry_points: bool = True) -> pluggy.PluginManager:
    """A fresh manager with the ``extra`` (name, plugin) pairs, then the entry-point plugins.

    Names in ``disabled`` (default: ``$ONETRIP_DISABLE_PLUGINS``) are blocked. An extra
    plugin takes precedence over an entry point of the same name.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in disabled_from_env() if disabled is None else disabled:
        log.info("plugin %s is disabled", name)
        pm.set_blocked(name)
    for name, obj in extra:
        if not pm.is_blocked(name):
            pm.register(_instance(obj), name=name)
    if entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        for name, obj in [(n, p) for n, p in pm.list_name_plugin() if p is not None]:
            if isinstance(getattr(obj, "Plugin", None), type):  # a module: use a fresh Plugin
                pm.unregister(obj)
                pm.register(obj.Plugin(), name=name)
    pm.check_pending()
    return pm


def _wraps(impl: Any) -> bool:
    return bool(impl.wrapper or impl.hookwrapper)


def plugin_calls(pm: pluggy.PluginManager, hook: str) -> list[tuple[str, Callable[..., Any]]]:
    """One caller per plugin implementing ``hook``, in pluggy's call order.

    Each caller runs that plugin's implementation through pluggy, inside every wrapper of
    the hook, so ``tryfirst``/``trylast`` and wrappers mean what they mean in a plain
    ``pm.hook`` call, while a plugin's failure stays its own.
    """
    impls = getattr(pm.hook, hook).get_hookimpls()
    known = _CALLS.setdefault(pm, {}).get(hook)
    if known is not None and len(known[0]) == len(impls) and all(
            a is b for a, b in zip(known[0], impls, strict=True)):
        return known[1]  # per case, per hook: the subset callers are built once
    wrappers = {id(i.plugin) for i in impls if _wraps(i)}
    out = []
    for impl in reversed(impls):  # pluggy calls the last of this list first
        if _wraps(impl):
            continue
        others = [p for p in pm.get_plugins() if p is not impl.plugin and id(p) not in wrappers]
        caller = pm.subset_hook_caller(hook, others)
        out.append((impl.plugin_name, _first(caller)))
    _CALLS[pm][hook] = (impls, out)
    return out


# A manager's callers per hook, kept while its implementations are the same objects.
_CALLS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _first(caller: Any) -> Callable[..., Any]:
    def call(**kwargs: Any) -> Any:
        results = caller(**kwargs)
        return results[0] if results else None

    return call


def call_each(pm: pluggy.PluginManager, hook: str, registry: Any = None,
              **kwargs: Any) -> list[tuple[str, Any]]:
    """Call ``hook`` plugin by plugin (see :func:`plugin_calls`); raise PluginError naming one.

    ``registry.plugin`` is set to the calling plugin's name, so what it adds is its own.
    """
    out = []
    for name, call in plugin_calls(pm, hook):
        if registry is not None:
            registry.plugin = name
        try:
            out.append((name, call(**kwargs)))
        except Exception as exc:
            raise PluginError(name, hook, exc) from exc
        finally:
            if registry is not None:
                registry.plugin = "kernel"
    return out


def notify_each(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> None:
    """Call ``hook`` plugin by plugin; a plugin that raises is logged and the next is called."""
    for name, call in plugin_calls(pm, hook):
        try:
            call(**kwargs)
        except Exception as exc:
            log.exception("%s", PluginError(name, hook, exc))


def describe(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Name, version and implemented hooks of every registered plugin."""
    import importlib

    rows = []
    for name, plugin in [(n, p) for n, p in pm.list_name_plugin() if p is not None]:
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
        version = getattr(plugin, "version", None) or getattr(
            importlib.import_module(type(plugin).__module__), "__version__", None)
        rows.append({"name": name, "version": version, "hooks": hooks,
                     "doc": (type(plugin).__doc__ or "").strip().splitlines()[0:1]})
    return rows
