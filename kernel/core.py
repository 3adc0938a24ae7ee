"""The kernel: plugins, catalogue, facts, actions and rulebook, and one case's evaluation."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pluggy

import calendars
from kernel import windows
from kernel.actions import ActionRegistry, FoldState
from kernel.catalogue import ItemRegistry
from kernel.conditions import attr
from kernel.decide import HALL_TZ, fold
from kernel.facts import CaseContext, FactRegistry
from kernel.manager import PluginError, build_manager, call_each, notify_each, plugin_calls
from kernel.models import Application, Decision, Item, TraceEntry
from kernel.rulebook import OwnRulebook, Rule, Rulebook
from rules import RULES_DIR

log = logging.getLogger("onetrip.kernel")


class InputError(ValueError):
    """Bad input from a caller; ``field`` names where."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


KERNEL_FACTS = (
    ("application.channel", "string", "window, online or bank"),
    ("application.submitted_on", "integer", "submission date as yyyymmdd"),
    ("application.item_count", "integer", "items in the application after merging"),
    ("application.by_agent", "boolean", "an agent (委托代理人) applies for the applicant"),
    ("applicant.kind", "string", "person or organisation"),
    ("applicant.area", "string", "6-digit area code from the ID number or credit code"),
    ("item.code", "string", "the item under evaluation"),
    ("item.department", "string", "department owning the item"),
    ("item.kind", "string", "licence, confirmation, registration, public_service, other"),
    ("item.merged", "boolean", "the item merges several constituent items (多审合一)"),
    ("item.joint_handling", "boolean", "handled jointly by several organs (行政许可法 art. 26)"),
    ("materials.missing", "integer", "this item's materials not handed in, before waivers"),
    ("materials.missing_main", "integer", "missing main materials (主件)"),
    ("materials.missing_secondary", "integer", "missing secondary materials (辅件)"),
    ("materials.missing_untolerable", "integer", "missing materials that may not follow later"),
    ("materials.missing_tolerable", "integer", "missing secondary materials that may follow later"),
    ("materials.missing_replaceable", "integer",
     "missing materials a signed commitment may replace (告知承诺)"),
    *windows.FACTS,
)


@dataclass(frozen=True)
class PreparedCase:
    """An application with its facts computed, ready to be decided under any rulebook."""

    ctx: CaseContext
    calendar: Any
    documents: list[tuple[Item, dict]]  # what the engine sees, per item
    flags: list[dict[str, str]]  # plugins that failed, merged items
    down: dict[str, str]  # plugin -> why its facts are missing


class Kernel:
    """One started kernel. Build it with :meth:`start`; evaluation is synchronous."""

    def __init__(self, pm: pluggy.PluginManager, items: ItemRegistry, facts: FactRegistry,
                 actions: ActionRegistry, rule_dirs: list[Path], calendar: Any,
                 settings: dict[str, Any], open_db: Callable[[Kernel], Any] | None = None,
                 calendar_overrides: tuple = ()):
        self.pm, self.items, self.facts, self.actions = pm, items, facts, actions
        self.rule_dirs, self.calendar, self.settings = rule_dirs, calendar, settings
        self.calendar_overrides = calendar_overrides
        # the halls' service times (周末延时服务): setting ``service_calendar``, a YAML file
        self.service = windows.load_service_calendar(settings.get("service_calendar"))
        self.plugins = {name for name, p in pm.list_name_plugin() if p is not None}  # not blocked
        self._lock = threading.Lock()
        # RLock: a plugin's onetrip_store_ready may ask for the store again
        self._open_db, self._db, self._opening = open_db, None, threading.RLock()
        self._closed = False
        self.rulebook = self.load_rules()

    @classmethod
    def start(cls, *, extra_plugins=(), disabled: set[str] | None = None,
              entry_points: bool = True, rule_dirs: list[Path] | None = None,
              open_db: Callable[[Kernel], Any] | None = None, **settings: Any) -> Kernel:
        """Register plugins and fill every registry; raises PluginError naming a bad plugin.

        ``entry_points=False`` leaves out the installed plugins (only ``extra_plugins``);
        ``rule_dirs`` replaces the plugins' rule folders (the sandbox's candidate policy);
        ``open_db`` is how the store layer gives the kernel a database (see :attr:`db`).
        """
        pm = build_manager(extra=extra_plugins, disabled=disabled, entry_points=entry_points)
        items, facts, actions = registries(pm)
        overrides = [p for _, paths in call_each(pm, "onetrip_calendar_overrides")
                     for p in paths or ()]
        if rule_dirs is None:
            rule_dirs = [RULES_DIR / "common"] + [
                p for _, dirs in plugin_rule_dirs(pm) for p in dirs]
        calendar = calendars.china(overrides=tuple(overrides))
        kernel = cls(pm, items, facts, actions, rule_dirs, calendar, settings, open_db,
                     tuple(overrides))
        call_each(pm, "onetrip_startup", kernel=kernel)
        return kernel

    def rule_dirs_by_plugin(self) -> list[tuple[str, list[Path]]]:
        """Each plugin's rule folders (``onetrip_rule_dirs``); ``rules/common`` is the kernel's."""
        return [("kernel", [RULES_DIR / "common"]), *plugin_rule_dirs(self.pm)]

    def own_rulebooks(self) -> list[OwnRulebook]:
        """The rulebooks plugins keep beside the kernel's (``onetrip_rulebooks``)."""
        return [book for _, books in call_each(self.pm, "onetrip_rulebooks",
                                               settings=self.settings) for book in books or ()]

    def load_rules(self, dirs: list[Path] | None = None) -> Rulebook:
        """Build a rulebook from ``dirs`` (default: the kernel's); raises SourceError."""
        return Rulebook.load(dirs or self.rule_dirs, self.facts, self.actions, self.plugins)

    def reload_rules(self) -> Rulebook:
        """Swap in freshly loaded rules; on any error the rules in force stay as they were."""
        new = self.load_rules()
        with self._lock:
            old, self.rulebook = self.rulebook, new
        old.close()
        return new

    def calendar_for(self, region: str | None) -> Any:
        """The working calendar of a case: national, or its region's (its own holidays too).

        An unknown region is the caller's error, naming the field ``region``.
        """
        if region is None:
            return self.calendar
        try:
            return calendars.china(region, overrides=self.calendar_overrides)
        except calendars.CalendarCoverageError:
            raise
        except ValueError as exc:
            raise InputError("region", str(exc)) from None

    @property
    def db(self) -> Any:
        """The store's database engine, opened on first use by the store layer.

        A kernel started by :func:`kernel.store.start_kernel` has one; a bare core kernel
        (dry runs, lint) raises, so nothing is written where no store was asked for.
        """
        if self._db is None:
            if self._open_db is None:
                raise RuntimeError("this kernel has no store; start it with "
                                   "kernel.store.start_kernel")
            with self._opening:  # a sweeper thread and a request may both come first
                if self._db is None:
                    self._db = self._open_db(self)
                    call_each(self.pm, "onetrip_store_ready", kernel=self)
        return self._db

    def close(self) -> None:
        """Let plugins release what they hold (``onetrip_shutdown``, once), then close."""
        if not self._closed:
            self._closed = True
            notify_each(self.pm, "onetrip_shutdown", kernel=self)
        self.rulebook.close()
        if self._db is not None:
            self._db.dispose()

    # -- evaluation ---------------------------------------------------------------------

    def application(self, data: Any) -> Application:
        return data if isinstance(data, Application) else Application.model_validate(data)

    def evaluate(self, data: Any, *, case_id: str | None = None, at: datetime | None = None,
                 rulebook: Rulebook | None = None) -> tuple[Decision, CaseContext]:
        """Decide one application; never calls side-effect hooks (the store delivers those)."""
        case = self.prepare(data, case_id=case_id, at=at)
        return self.decide(case, rulebook), case.ctx

    def prepare(self, data: Any, *, case_id: str | None = None, at: datetime | None = None
                ) -> PreparedCase:
        """Validate one application and compute its facts, once for any number of rulebooks
        (the sandbox decides each historic case under two); raises InputError."""
        app = self.application(data)
        calendar = self.calendar_for(app.region)
        items, merge_notes = self.items.resolve(app.items)
        items = tuple(self.items.asked(i, app.agent is not None, app.facts) for i in items)
        for name, value in app.facts.items():
            spec = self.facts.specs.get(name)
            if spec is None or not spec.applicant:
                raise InputError(f"facts.{name}", f"{name!r} is not a fact applicants supply")
            try:
                self.facts.check_value(name, value)
            except ValueError as exc:
                raise InputError(f"facts.{name}", str(exc)) from None
        ctx = CaseContext(app, items, at or app.submitted_at, case_id)
        try:
            ctx.extra["opening"] = windows.opening(self.service, calendar, app)
        except windows.ClosedWindow as exc:
            raise InputError("submitted_at", str(exc)) from None
        facts, flags, down = self._case_facts(ctx)
        flags += [{"code": "merged", "message": n} for n in merge_notes]
        return PreparedCase(ctx, calendar, self.documents(ctx, facts), flags, down)

    def match(self, case: PreparedCase, rulebook: Rulebook | None = None) -> list[list[Rule]]:
        """The rules that fire for each of a prepared case's items, in the order they apply."""
        book = rulebook or self.rulebook
        return [book.match(doc) for _, doc in case.documents]

    def decide(self, case: PreparedCase, rulebook: Rulebook | None = None,
               matched: list[list[Rule]] | None = None) -> Decision:
        """The decision on a prepared case under ``rulebook`` (default: the rules in force);
        ``matched`` is what :meth:`match` found for it there, when the caller has it."""
        app = case.ctx.application
        state = FoldState(items={i.code: i for i in case.ctx.items},
                          submitted=frozenset(app.materials),
                          part_of=self.items.parts_of(app.items),
                          applicant_kind=app.applicant.kind, sharing=self.items.sharing)
        book = rulebook or self.rulebook
        trace = []
        for (item, _), rules in zip(case.documents, matched or self.match(case, book),
                                    strict=True):
            for rule in rules:
                for name, params in rule.actions:
                    self.actions.apply(state, name, params, item)
                trace.append(_entry(rule, item.code))
        trace += self._skipped(book, app, case.down)
        state.flags = case.flags + state.flags
        return fold(state, case.calendar, app.submitted_at, trace,
                    windows.routing(app, case.ctx.items))

    def documents(self, ctx: CaseContext, facts: dict[str, Any]) -> list[tuple[Item, dict]]:
        """The fact document the engine sees for each item (dots become ``__``)."""
        case = {_ATTRS.get(k) or _attr(k): v for k, v in facts.items()}
        handed = frozenset(ctx.application.materials)
        found = ctx.extra.get("opening")
        return [(item, {**case, **_item_doc(item, handed), **{_attr(k): v for k, v in (
            windows.item_facts(item, ctx.application, found)).items()}})
                for item in ctx.items]

    def _case_facts(self, ctx: CaseContext) -> tuple[dict, list, dict[str, str]]:
        app = ctx.application
        local = app.submitted_at.astimezone(HALL_TZ).date()
        facts: dict[str, Any] = {
            "application.channel": app.channel,
            "application.submitted_on": local.year * 10000 + local.month * 100 + local.day,
            "application.item_count": len(ctx.items),
            "application.by_agent": app.agent is not None,
            "applicant.kind": app.applicant.kind,
            "applicant.area": app.applicant.identifier[:6] if app.applicant.kind == "person"
            else app.applicant.identifier[2:8],
            **windows.case_facts(app, ctx.extra.get("opening")),
            **app.facts,
        }
        flags, down = [], {}
        for plugin, call in plugin_calls(self.pm, "onetrip_enrich_facts"):
            own: dict[str, Any] = {}
            try:
                call(case=ctx, facts=own)
                for name, value in own.items():
                    spec = self.facts.specs.get(name)
                    if spec is None or spec.owner != plugin:
                        raise ValueError(f"wrote fact {name!r} it did not declare")
                    own[name] = self.facts.check_value(name, value)
            except Exception as exc:
                err = PluginError(plugin, "onetrip_enrich_facts", exc)
                log.error("%s", err)
                flags.append({"code": "plugin_error", "message": str(err)})
                down[plugin] = str(err)
                continue
            facts.update(own)
        return facts, flags, down

    def _skipped(self, book: Rulebook, app: Application, down: dict[str, str]) -> list:
        """Trace entries for rules in force that could not be evaluated, and why."""
        day = app.submitted_at.astimezone(HALL_TZ).date()
        out = []
        for rule in book.skipped:  # usually empty: only rules needing a missing plugin
            if rule.in_force(day):
                gone = sorted(rule.requires - self.plugins)
                out.append(_entry(rule, None, f"plugin {', '.join(gone)} is not loaded"))
        for rule in book.rules if down else ():
            owners = {self.facts.specs[f].owner for f in rule.facts}
            failed = sorted(owners & down.keys())
            if failed and rule.in_force(day):
                out.append(_entry(rule, None, down[failed[0]]))
        return out


def registries(pm: pluggy.PluginManager) -> tuple[ItemRegistry, FactRegistry, ActionRegistry]:
    """The catalogue, facts and actions every plugin registers; raises PluginError."""
    items, facts, actions = ItemRegistry(), FactRegistry(), ActionRegistry()
    call_each(pm, "onetrip_register_items", items, items=items)
    items.check()
    facts.reserved = {n for n, p in pm.list_name_plugin() if p is not None}
    for name, type_, text in KERNEL_FACTS:
        facts.declare(name, type_, text)
    call_each(pm, "onetrip_register_facts", facts, facts=facts)
    call_each(pm, "onetrip_register_actions", actions, actions=actions)
    return items, facts, actions


def plugin_rule_dirs(pm: pluggy.PluginManager) -> list[tuple[str, list[Path]]]:
    return [(name, [Path(p) for p in dirs or ()])
            for name, dirs in call_each(pm, "onetrip_rule_dirs")]


_ITEM_DOCS: dict[tuple[int, frozenset], tuple[Item, dict]] = {}


def _item_doc(item: Item, handed: frozenset[str]) -> dict[str, Any]:
    """An item's part of the engine's document: the same for every case that hands in the
    same materials, so it is built once (the catalogue's items live as long as the kernel)."""
    key = (id(item), handed)
    found = _ITEM_DOCS.get(key)
    if found is None or found[0] is not item:
        if len(_ITEM_DOCS) >= 16384:
            _ITEM_DOCS.clear()
        doc = {_attr(k): v for k, v in _item_facts(item, handed).items()}
        found = _ITEM_DOCS[key] = (item, doc)
    return found[1]


def _item_facts(item: Item, handed: Any) -> dict[str, Any]:
    missing = [m for m in item.materials if m.code not in handed]
    return {
        "item.code": item.code,
        "item.department": item.department,
        "item.kind": item.kind,
        "item.merged": bool(item.merges),
        "item.joint_handling": item.joint_handling,
        "materials.missing": len(missing),
        "materials.missing_main": sum(m.role == "main" for m in missing),
        "materials.missing_secondary": sum(m.role == "secondary" for m in missing),
        "materials.missing_untolerable": sum(not m.tolerable for m in missing),
        "materials.missing_tolerable": sum(m.tolerable for m in missing),
        "materials.missing_replaceable": sum(m.commitment_replaceable for m in missing),
    }


def _attr(name: str) -> str:
    found = _ATTRS.get(name)
    if found is None:
        found = _ATTRS[name] = attr(name)
    return found


_ATTRS: dict[str, str] = {}  # fact names are few: declared ones, and applicants' own


@lru_cache(maxsize=8192)  # entries are immutable values; building them is the hot path
def _entry(rule: Any, item: str | None, why: str | None = None) -> TraceEntry:
    return TraceEntry.model_construct(
        ruleset=rule.ruleset, version=rule.version, hash=rule.hash, rule=rule.id,
        title=rule.title, reference=rule.reference, item=item,
        status="skipped" if why else "fired", why=why)
