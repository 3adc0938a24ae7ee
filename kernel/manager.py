"""Plugin manager: plugins by entry point, switched off by name, hooks called through pluggy."""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
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

    def __init__(self, plugin: str, hook: str, exc: BaseException, origin: Any = None):
        self.plugin, self.hook, self.exc, self.origin = plugin, hook, exc, origin
        where = f" ({origin})" if origin else ""
        super().__init__(f"plugin {plugin}{where} failed in {hook}: {type(exc).__name__}: {exc}")


def disabled_from_env() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def _instance(obj: Any) -> Any:
    """A module exposing ``Plugin`` gives a fresh instance, so kernels never share state."""
    factory = getattr(obj, "Plugin", obj)
    return factory() if isinstance(factory, type) else factory


@dataclass(frozen=True)
class Origin:
    """Where an installed plugin comes from: its entry point and distribution."""

    entry_point: str  # "housing = onetrip_housing"
    distribution: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        dist = f" {self.version}" if self.version else ""
        dist = f", distribution {self.distribution}{dist}" if self.distribution else ""
        return f"entry point {ENTRY_POINT_GROUP}: {self.entry_point}{dist}"


class PluginContractError(PluginError):
    """A plugin breaks the hook contract at start-up; names the plugin and where it comes from."""

    def __init__(self, plugin: str, problem: str, origin: Origin | None = None):
        self.plugin, self.hook, self.problem, self.origin = plugin, "start-up", problem, origin
        self.exc = None
        where = f" ({origin})" if origin else ""
        RuntimeError.__init__(self, f"plugin {plugin}{where}: {problem} (to start without "
                              f"it: {DISABLE_ENV}={plugin})")


class Manager(pluggy.PluginManager):
    """pluggy's manager, remembering each installed plugin's origin and the broken ones."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        self.origins: dict[str, Origin] = {}
        self.broken: dict[str, PluginContractError] = {}


def build_manager(extra: Iterable[tuple[str, Any]] = (), disabled: set[str] | None = None,
                  entry_points: bool = True, strict: bool = True) -> Manager:
    """A fresh manager with the ``extra`` (name, plugin) pairs, then the entry-point plugins.

    Names in ``disabled`` (default: ``$ONETRIP_DISABLE_PLUGINS``) are blocked. An extra
    plugin takes precedence over an entry point of the same name. A plugin that cannot be
    imported or breaks the hook contract raises :class:`PluginContractError`; with
    ``strict=False`` it is left out and kept in ``pm.broken`` (``--help``, ``plugins``).
    """
    pm = Manager()
    for name in disabled_from_env() if disabled is None else disabled:
        log.info("plugin %s is disabled", name)
        pm.set_blocked(name)
    for name, obj in extra:
        if not pm.is_blocked(name):
            _add(pm, name, lambda obj=obj: obj, None, strict)
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            dist = getattr(ep, "dist", None)
            origin = Origin(f"{ep.name} = {ep.value}", dist and dist.metadata["Name"],
                            dist and dist.version)
            _add(pm, ep.name, ep.load, origin, strict)
    return pm


def _add(pm: Manager, name: str, load: Callable[[], Any], origin: Origin | None,
         strict: bool) -> None:
    try:
        plugin = _instance(load())
        unknown = contract_problems(plugin)
        if unknown:
            raise PluginContractError(name, "; ".join(unknown), origin)
        pm.register(plugin, name=name)
    except Exception as exc:
        if not isinstance(exc, PluginContractError):
            why = (str(exc) if isinstance(exc, pluggy.PluginValidationError)
                   else f"cannot be loaded: {type(exc).__name__}: {exc}")
            exc = PluginContractError(name, why, origin)
        if strict:
            raise exc from None
        log.error("%s", exc)
        pm.broken[name] = exc
        return
    if origin is not None:
        pm.origins[name] = origin


def contract_problems(plugin: Any) -> list[str]:
    """Hook implementations (``@hookimpl``) naming no hook, each with the nearest hook name."""
    hooks = [n for n in dir(hookspecs) if n.startswith(hookspecs.PROJECT + "_")]
    out = []
    for attr in dir(plugin):
        method = getattr(type(plugin), attr, None) or getattr(plugin, attr, None)
        if attr in hooks or getattr(method, hookspecs.PROJECT + "_impl", None) is None:
            continue
        near = difflib.get_close_matches(attr, hooks, n=1, cutoff=0.6)
        out.append(f"{attr} is not a hook" + (f"; did you mean {near[0]}?" if near else
                                              " (see kernel/hookspecs.py)"))
    return out


def _wraps(impl: Any) -> bool:
    return bool(impl.wrapper or impl.hookwrapper)


def plugin_calls(pm: pluggy.PluginManager, hook: str) -> list[tuple[str, Callable[..., Any]]]:
    """One caller per plugin implementing ``hook``, in pluggy's call order.

    Each caller runs that plugin's implementation through pluggy, inside every wrapper of
    the hook, so ``tryfirst``/``trylast`` and wrappers mean what they mean in a plain
    ``pm.hook`` call, while a plugin's failure stays its own.
    """
    impls = getattr(pm.hook, hook).get_hookimpls()
    wrappers = {id(i.plugin) for i in impls if _wraps(i)}
    out = []
    for impl in reversed(impls):  # pluggy calls the last of this list first
        if _wraps(impl):
            continue
        others = [p for p in pm.get_plugins() if p is not impl.plugin and id(p) not in wrappers]
        caller = pm.subset_hook_caller(hook, others)
        out.append((impl.plugin_name, _first(caller)))
    return out


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
            raise PluginError(name, hook, exc, getattr(pm, "origins", {}).get(name)) from exc
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
    """Name, distribution, version and hooks of every plugin; broken ones with their problem."""
    origins: dict[str, Origin] = getattr(pm, "origins", {})
    rows = []
    for name, plugin in [(n, p) for n, p in pm.list_name_plugin() if p is not None]:
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
        origin = origins.get(name)
        module = plugin if isinstance(plugin, ModuleType) else importlib.import_module(
            type(plugin).__module__)
        own = getattr(plugin, "version", None) or getattr(module, "__version__", None)
        doc = plugin.__doc__ if plugin is module else type(plugin).__doc__
        rows.append({"name": name, "version": own or (origin and origin.version), "hooks": hooks,
                     "distribution": origin and _dist(origin), "status": "ok",
                     "doc": (doc or "").strip().splitlines()[0:1]})
    for name, err in getattr(pm, "broken", {}).items():
        rows.append({"name": name, "version": err.origin and err.origin.version, "hooks": [],
                     "distribution": err.origin and _dist(err.origin),
                     "status": f"broken: {err.problem}", "doc": []})
    return rows


def _dist(origin: Origin) -> str | None:
    return origin.distribution and f"{origin.distribution} {origin.version or ''}".strip()
