"""One window, four levels: the accepting window's facts, a case's routing, service times.

前台综合受理、后台分类审批、统一窗口出件: a window of any level (a village point, a township
centre, a county or city hall, a department's window, the online hall, a bank outlet) accepts
a case; each item is approved by its implementing body (实施主体); the result is handed out
where the case was accepted. What a window may accept is for the rules to say, on the facts
declared here; when a hall is open is the service calendar's (``calendars/service.yaml``).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from calendars.service import SERVICE_FILE, Opening, ServiceCalendar
from kernel.models import LEVELS, Application, Approver, Implementation, Item, Routing
from kernel.yamlsrc import load

FACTS = (
    ("window.level", "string", "level of the accepting window: city, county, township, village"),
    ("window.kind", "string", "comprehensive, department, convenience, online or bank (a bank "
     "channel without a window counts as bank)"),
    ("window.rest_day", "boolean", "accepted at a hall's rest-day service (周末延时服务): a "
     "service day that is not a working day"),
    ("item.level", "string", "level of the item's implementing body (实施主体)"),
    ("item.listed_at_window", "boolean", "the accepting window's level is the implementing "
     "body's or one the implementation list lets accept the item (accepted_at)"),
    ("item.served_in_session", "boolean", "the hall's service session at submission serves "
     "the item's department (a rest-day service may serve a few departments only)"),
)


def load_service_calendar(path: Path | str | None = None) -> ServiceCalendar:
    """The halls' service times from YAML (default: the shipped file); errors name file:line."""
    return load(path or SERVICE_FILE).validated(ServiceCalendar)


class ClosedWindow(ValueError):
    """A window took a case while its hall was closed: the submission time is wrong."""

    def __init__(self, app: Application, hall: Any):
        super().__init__(
            f"window {app.window.code} does not accept cases at "
            f"{app.submitted_at.isoformat()} ({hall.describe()})")


def opening(service: ServiceCalendar, calendar: Any, app: Application) -> Opening | None:
    """How the accepting window's hall is open at submission; None when nothing is known of
    it (no window, an online window, a hall the service calendar does not list).

    :raises ClosedWindow: the hall is listed and was closed then.
    """
    window = app.window
    if window is None or window.kind == "online":
        return None
    hall = service.hall_of(window.code)
    if hall is None:
        return None
    found = service.opening(hall, app.submitted_at, calendar)
    if found is None:
        raise ClosedWindow(app, hall)
    return found


def case_facts(app: Application, found: Opening | None) -> dict[str, Any]:
    kind = app.window.kind if app.window else {"bank": "bank", "online": "online"}.get(
        app.channel)
    facts: dict[str, Any] = {"window.kind": kind} if kind else {}
    if app.window is not None:
        facts["window.level"] = app.window.level
    if found is not None:
        facts["window.rest_day"] = found.rest_day
    return facts


def item_facts(item: Item, app: Application, found: Opening | None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    spec = item.implementation
    if spec is not None:
        facts["item.level"] = spec.level
        if app.window is not None:
            level = app.window.level
            facts["item.listed_at_window"] = level == spec.level or level in spec.accepted_at
    if found is not None:
        facts["item.served_in_session"] = (not found.departments
                                           or item.department in found.departments)
    return facts


def routing(app: Application, items: tuple[Item, ...]) -> Routing:
    """Where the case was accepted, who approves each item, where the result is collected."""
    approvers = [_approver(i.code, i.department, i.implementation) for i in items]
    window = app.window
    below = window is not None and any(
        a.level is not None and LEVELS.index(window.level) > LEVELS.index(a.level)
        for a in approvers)
    if window is not None:
        collect = "online" if window.kind == "online" else window.code
    else:
        collect = app.channel if app.channel in ("online", "bank") else "department"
    # built from validated parts: construct, do not validate again (the hot path)
    return Routing.model_construct(accepted_at=window, approved_by=approvers, routed_up=below,
                                   collect_at=collect)


@lru_cache(maxsize=4096)  # catalogue values: immutable, shared between decisions
def _approver(item: str, department: str, spec: Implementation | None) -> Approver:
    return Approver.model_construct(item=item, department=department,
                                    body=spec.body if spec else None,
                                    level=spec.level if spec else None)


def served_on(at: datetime, tz: Any) -> Any:
    """The day the hall served the applicant: the submission's date in the hall's zone."""
    return at.astimezone(tz).date()
