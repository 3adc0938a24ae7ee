"""The plugin contract: every hook a department plugin may implement.

Hooks are synchronous and called by the kernel; implement them with ``@kernel.hookimpl``.
A plugin is any object (usually a class instance) with such methods. Hooks that fill the
kernel's registries receive registry objects to add to, so a plugin's additions are
checked (and attributed to it) as they are made; hooks that declare what the kernel then
serves (rule folders, calendar files, HTTP routes) return it. Implementations may take any subset of
a hook's parameters (pluggy's opt-in arguments): new parameters are only ever added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from kernel.actions import ActionRegistry
    from kernel.catalogue import ItemRegistry
    from kernel.facts import CaseContext, FactRegistry
    from kernel.models import Decision
    from kernel.routes import Route
    from kernel.rulebook import OwnRulebook

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
def onetrip_rulebooks(settings: dict[str, Any]) -> list[OwnRulebook]:
    """Return the rulebooks this plugin keeps beside the kernel's, so that ``onetrip lint``
    checks their files and ``onetrip schema rules`` lists their facts and actions.

    For rules about something other than applications (the OA plugin's rules decide
    documents' steps): each :class:`kernel.rulebook.OwnRulebook` names its folders, its own
    :class:`~kernel.facts.FactRegistry` and :class:`~kernel.actions.ActionRegistry`, and the
    integer yyyymmdd fact that picks the versions in force. Called by lint and schema
    commands and by the test kit's conformance check, never on the request path; it may be
    called before ``onetrip_startup``.

    :param settings: the kernel settings (e.g. a configured folder for these rules); an
        empty mapping when no kernel is started.

    .. versionadded:: 0.3
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

    Called once for every case prepared for evaluation (``Kernel.prepare``), in the API,
    the CLI and the sandbox (which decides one prepared case under two policies), so it
    must be fast and must not change anything outside ``facts``. Write only facts your
    plugin declared; values are type-checked afterwards. Leave a fact out when it is
    unknown: conditions on an absent fact are false (see ``kernel.conditions``).

    A kernel started with the setting ``private_store`` (the sandbox's) has a store no
    other process writes: what you read from it may be kept for the kernel's life.

    :param case: the validated application, its items and the evaluation time.
    :param facts: flat mapping ``"namespace.field" -> value`` to add to.

    .. versionadded:: 0.1
    .. versionchanged:: 0.1
       once per prepared case; the ``private_store`` setting.
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
    .. versionchanged:: 0.3
       In the API server it runs after the caller has had its answer, on the delivery
       worker (see ``onetrip_decisions_made``); the flag then reaches the stored case only.
    """


@hookspec
def onetrip_decisions_made(decisions: list[tuple[CaseContext, Decision]]) -> None:
    """See many stored decisions at once: the batch form of ``onetrip_decision_made``.

    The API server answers a submission once its case is committed; the delivery worker
    then hands plugins everything committed meanwhile, so a plugin implementing this hook
    does its side effects for the whole batch in one go (one transaction, say) instead of
    one case at a time. Other callers (``Lifecycle.submit``, the sweep's redelivery) pass
    batches too, down to a single decision.

    :param decisions: (case, decision) pairs of stored cases, in the order they were
        stored; never dry runs nor sandbox cases.

    An exception fails the whole batch for this plugin: each of its decisions gets a
    ``plugin_error`` flag and is delivered again later (at least once: be idempotent).
    A plugin implements either hook, or both for different work.

    .. versionadded:: 0.3
    """


@hookspec
def onetrip_case_event(case_id: str, event: str, payload: dict[str, Any]) -> None:
    """See a lifecycle event appended to a case's log.

    :param case_id: the stored case's id.
    :param event: one of ``submitted, decided, notified, supplemented, re_notified,
        resumed, paused, clock_resumed, extended, correction_notified, deemed_accepted,
        completed, terminated, due_recomputed, timer_failed``.
    :param payload: the event's JSON payload as stored: always ``applicant`` (kind,
        name, identifier), ``items`` and ``at`` (when it happened, ISO 8601, which under
        ``onetrip sweep --as-of`` is that time, not the wall clock). A notice given to the
        applicant (``paused``: an art. 45 step; ``extended``; ``completed``: the decision)
        is its ``notice``; ``completed`` has ``result`` and ``deliver_by``. ``submitted``
        has ``channel``, ``window`` (the accepting window, or null) and ``served_on`` (the
        day the hall served the applicant: a Saturday at the weekend service stays a
        Saturday, though the limits count from the next working day).
        ``due_recomputed`` (a holiday notice settled a year the dates were counted through
        provisionally) has ``old`` and ``new``, each with ``due_committed``, ``due_legal``,
        ``supplement_by``, ``grace_by`` and ``correction_notice_by`` (ISO dates or null),
        and ``provisional_years`` the new dates still count through. ``timer_failed`` (a
        timer given up after its last attempt) has ``timer``, ``kind``, ``attempts`` and
        ``error``. A ``supplemented`` recorded after a re-notice it had beaten has
        ``handed_in_at`` and ``in_time: true``.

    Called after the event is committed; never in the sandbox. Delivery is at least once
    (see ``kernel.store.outbox``): an event is marked delivered to a plugin only after its call
    returns, so after a crash, or after this hook raised (logged, then retried by the next
    sweep), a plugin may hear of one event again. Implementations must be idempotent, e.g.
    keyed on ``(case_id, event)``.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``due_recomputed``: a case's due dates moved when a year's holiday notice arrived.
    .. versionchanged:: 0.3
       ``submitted`` carries ``window`` and ``served_on``.
       ``timer_failed``; ``supplemented`` may carry ``handed_in_at`` and ``in_time``.
    """


@hookspec
def onetrip_web_routes(kernel: Any) -> list[Route]:
    """Return the HTTP routes this plugin serves, as :class:`kernel.routes.Route` declarations.

    Called once while the API application is built, after ``onetrip_startup``; results of
    all plugins are joined and mounted by the kernel, which owns what every route shares:

    - **auth**: a caller needs the route's ``grant`` (``public``, ``read``, ``cases``,
      ``rules``, ``sandbox``, ``admin``; see ``kernel/http/auth.py`` for the roles); left
      out, ``read`` for GET and ``cases`` for any other method;
    - **errors**: raise :class:`kernel.routes.BadRequest` (400), ``NotFound`` (404),
      ``Conflict`` (409; each ``(message, field=None, code=None)``) or
      :class:`kernel.core.InputError` (422), or let a pydantic ``ValidationError`` escape
      (422); each is answered as the one error body ``{"error": {"code", "message",
      "field"}}``, anything else as a logged 500;
    - **OpenAPI**: ``body``, ``query`` and ``answer`` models, ``summary``, the success
      ``status`` and extra ``errors`` statuses appear in ``/openapi.json`` and ``/docs``.

    A handler is ``async def handler(request)``; what it returns is answered as JSON with
    the route's ``status`` (see :class:`kernel.routes.Route`; ``parse_json`` and
    ``parse_query`` read a body or query with a model). Prefix paths with
    ``/v1/<plugin name>/``. Handlers run on the server's event loop: do database and file
    work with ``await asyncio.to_thread(...)``, never inline. Resources a plugin's routes
    need (pools, clients) are made in ``onetrip_startup`` and released in
    ``onetrip_shutdown``.

    :param kernel: the started kernel (the same object ``onetrip_startup`` received).
    :return: a list of routes; ``None`` or ``[]`` for none.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
        Returns route declarations; it no longer receives the aiohttp application.
    """


@hookspec
def onetrip_sweep(kernel: Any, as_of: datetime, thresholds: dict[str, int]) -> None:
    """Do a plugin's periodic work when the sweeper runs (e.g. raise early warnings).

    Called after each sweep has fired the due timers and redelivered what plugins had not
    taken: by every server process every ``sweep_interval`` seconds, and by ``onetrip
    sweep``. Several processes may sweep at once, so the work must be idempotent (key what
    you record). Runs off the event loop; an exception is logged and the next plugin is
    called. Never called in the sandbox.

    :param kernel: the kernel whose store was swept (``kernel.db`` is open).
    :param as_of: the moment swept as of (aware; ``onetrip sweep --as-of`` gives a past one).
    :param thresholds: working days left that raise a warning (预警), ``{"yellow": 5,
        "red": 2}`` unless the server config's ``warnings`` says otherwise.

    .. versionadded:: 0.3
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
    """Receive the started kernel (its calendar, catalogue, rules and settings).

    Called once after every registry is filled, in every kernel: servers, dry runs
    (``onetrip evaluate``, ``lint``) and replays alike, so do not open the database
    here (``kernel.db`` may not exist: see ``onetrip_store_ready``). A plugin that keeps
    state keeps it on its own instance, so two kernels never share it.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       No longer implies that the store is open.
    """


@hookspec
def onetrip_store_ready(kernel: Any) -> None:
    """Create the plugin's own tables: the kernel's store has just been opened and migrated.

    Called once per kernel, the first time ``kernel.db`` is used: a server does so at
    start-up, before it answers a request; a dry run only if it reads the store. Doing
    schema work here, never inside a hook that runs within a case's transaction, keeps
    SQLite writers from waiting on each other. A failure stops the kernel's start-up,
    naming the plugin.

    :param kernel: the kernel; ``kernel.db`` is its SQLAlchemy engine.

    .. versionadded:: 0.2
    """


@hookspec
def onetrip_shutdown(kernel: Any) -> None:
    """Release what the plugin holds for this kernel (pools, threads, connections).

    Called once from :meth:`kernel.core.Kernel.close`, before the kernel closes its rules
    and database, in every process that started the kernel (server, CLI, sandbox). Each
    plugin is called even when another one raised: an exception is logged, never raised.

    :param kernel: the kernel being closed (the same object ``onetrip_startup`` received).

    .. versionadded:: 0.2
    """
