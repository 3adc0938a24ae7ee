"""The plugin contract: every hook a department plugin may implement.

Hooks are synchronous and called by the kernel; implement them with ``@kernel.hookimpl``.
A plugin is any object (usually a class instance) with such methods. Hooks receive
registry objects to add to, rather than returning lists, so a plugin's additions are
checked (and attributed to it) as they are made. Implementations may take any subset of
a hook's parameters (pluggy's opt-in arguments): new parameters are only ever added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from aiohttp import web

    from kernel.actions import ActionRegistry
    from kernel.catalogue import ItemRegistry
    from kernel.facts import CaseContext, FactRegistry
    from kernel.models import Decision

PROJECT = "onetrip"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def onetrip_register_items(items: ItemRegistry) -> None:
    """Add the plugin's service items (事项) to the catalogue.

    Called once at kernel start-up, before rules are loaded.

    :param items: call ``items.add(item)`` for each :class:`kernel.models.Item`, or
        ``items.load(path)`` for a YAML catalogue file. Two plugins adding the same item
        code is a start-up error naming both.

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_register_facts(facts: FactRegistry) -> None:
    """Declare the case facts this plugin supplies or lets applicants supply.

    Called once at start-up. Rules may only name declared facts; the rule compiler checks
    every rule's values against the declared type.

    :param facts: call ``facts.declare(name, type, description, applicant=False)``; a
        name is ``namespace.field`` and the namespace belongs to the first plugin that
        declares it.

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_rule_dirs() -> list[Path]:
    """Return the folders of YAML rulesets this plugin ships.

    Called at start-up and at every rule reload; results of all plugins are joined.

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_register_actions(actions: ActionRegistry) -> None:
    """Add custom rule actions beyond the kernel's vocabulary.

    Called once at start-up. ``actions.add(name, params_model, apply)`` where
    ``params_model`` is a pydantic model validating the action's YAML parameters and
    ``apply(state, params, item)`` changes the per-case fold state
    (:class:`kernel.actions.FoldState`).

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_enrich_facts(case: CaseContext, facts: dict[str, Any]) -> None:
    """Fill in facts about one case before its rules are matched.

    Called for every evaluation, in the API, the CLI and the sandbox, so it must be fast
    and must not change anything outside ``facts``. Write only facts your plugin
    declared; values are type-checked afterwards. Leave a fact out when it is unknown:
    conditions on an absent fact are false (see ``kernel.conditions``).

    :param case: the validated application, its items and the evaluation time.
    :param facts: flat mapping ``"namespace.field" -> value`` to add to.

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_decision_made(case: CaseContext, decision: Decision) -> None:
    """See a decision that the kernel is about to hand out for a stored case.

    Called after the decision is assembled and stored, never for dry runs
    (``/v1/evaluate``, ``onetrip evaluate``) nor in the sandbox: this is the place for
    side effects such as recording a commitment or opening an outgoing document.
    An exception here is logged and turned into a flag on the decision; it never undoes
    the decision. Delivery is at least once, like ``onetrip_case_event``'s: be idempotent.

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_case_event(case_id: str, event: str, payload: dict[str, Any]) -> None:
    """See a lifecycle event appended to a case's log.

    :param case_id: the stored case's id.
    :param event: one of ``submitted, decided, notified, supplemented, re_notified,
        resumed, paused, clock_resumed, extended, correction_notified, deemed_accepted,
        completed, terminated``.
    :param payload: the event's JSON payload as stored: always ``applicant`` (kind,
        name, identifier), ``items`` and ``at`` (when it happened, ISO 8601, which under
        ``onetrip sweep --as-of`` is that time, not the wall clock). A notice given to the
        applicant (``paused``: an art. 45 step; ``extended``; ``completed``: the decision)
        is its ``notice``; ``completed`` has ``result`` and ``deliver_by``.

    Called after the event is committed; never in the sandbox. Delivery is at least once
    (see ``kernel.store.outbox``): an event is marked delivered to a plugin only after its call
    returns, so after a crash, or after this hook raised (logged, then retried by the next
    sweep), a plugin may hear of one event again. Implementations must be idempotent, e.g.
    keyed on ``(case_id, event)``.

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_web_routes(app: web.Application) -> None:
    """Add HTTP routes (and ``cleanup_ctx`` resources) to the API application.

    Called once while the aiohttp application is built. Prefix routes with
    ``/v1/<plugin name>/``; the kernel is at ``app[kernel.http.app.KERNEL]``. A caller needs
    the grant named by the handler's ``grant`` attribute (``read``, ``cases``, ``rules``,
    ``sandbox``, ``admin``; see ``kernel/auth.py``); without one, GET and HEAD need
    ``read`` and every other method needs ``cases``.

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_calendar_overrides() -> list[Path]:
    """Return calendar override files (YAML) this plugin supplies.

    Called at start-up; see ``calendars/README.md`` for the format (a department's own
    closures, a regional day). The calendar refuses to count through a year nobody
    covers.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def onetrip_load_records(kind: str, data: Any) -> dict[str, int] | None:
    """Load records of one ``kind`` (e.g. ``credit``) into the plugin's own store.

    Called by the YAML case runner (a case's ``records: {<kind>: ...}``) and by sandbox
    replays (each history row's ``credit``), never on the request path. Stops at the first
    non-None result: the plugin that owns ``kind`` returns counts of what it loaded (e.g.
    ``{"subjects": 2}``); every other plugin returns None. Loading the same records twice
    must leave the store as after once (upsert).

    :param kind: the records' kind, by convention the owning plugin's name.
    :param data: the records as parsed JSON/YAML (mappings, lists, strings, numbers, dates).
    :raises pydantic.ValidationError: on bad records, before anything is stored; callers
        turn its locations into ``file:line`` (YAML) or row numbers (history).

    .. versionadded:: 0.2
    """


@hookspec
def onetrip_cli(subparsers: Any) -> None:
    """Add subcommands to the ``onetrip`` command line.

    :param subparsers: the argparse sub-parsers object; set ``func=callable(args) -> int``
        on each parser added.

    .. versionadded:: 0.1
    """


@hookspec
def onetrip_startup(kernel: Any) -> None:
    """Receive the started kernel (its database engine, calendar, catalogue).

    Called once after every registry is filled and the store's tables exist. A plugin
    that keeps state keeps it on its own instance, so two kernels never share it.

    .. versionadded:: 0.1
    """
