"""Credit information (信用信息): ratings, dishonesty listings and commitments as case facts."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kernel import hookimpl

if TYPE_CHECKING:
    from plugins.credit.store import CreditStore

__version__ = "0.1.0"
log = logging.getLogger("onetrip.credit")

FACTS = (
    ("credit.known", "boolean", "the applicant has a credit record (unknown: no record, clean)"),
    ("credit.rating", "string", "tax-credit style rating A/B/M/C/D; absent when unrated"),
    ("credit.dishonest", "boolean", "listed as judgment defaulter (失信被执行人) that day"),
    ("credit.serious_dishonesty", "boolean", "on a serious-dishonesty list on the case's date"),
    ("credit.broken_commitments", "integer", "broken commitments not yet repaired (信用修复)"),
)


def local_day(value: Any = None) -> date:
    """A day in the hall's time zone from an ISO date/datetime (or now when absent)."""
    from kernel.decide import HALL_TZ  # with the first case, not with `onetrip --help`

    if value is None:
        return datetime.now(HALL_TZ).date()
    if isinstance(value, datetime):
        return value.astimezone(HALL_TZ).date()
    if isinstance(value, date):
        return value
    text = str(value)
    return date.fromisoformat(text) if len(text) == 10 else local_day(
        datetime.fromisoformat(text))


class Plugin:
    """Credit information: enriches every case, records commitments and broken ones."""

    def __init__(self) -> None:
        self.kernel: Any = None
        self._store: CreditStore | None = None
        self._opening = threading.Lock()

    @hookimpl
    def onetrip_register_facts(self, facts):
        for name, type_, text in FACTS:
            facts.declare(name, type_, text)

    @hookimpl
    def onetrip_startup(self, kernel):
        self.kernel = kernel  # the store opens on the first lookup: lint and --help open none

    @hookimpl
    def onetrip_store_ready(self, kernel):
        self.store  # noqa: B018  (create the credit tables now, outside any case's transaction)

    @property
    def store(self) -> CreditStore:
        """The credit tables on the kernel's store, created on first use."""
        if self._store is None:
            db = self.kernel.db  # outside the lock: opening it calls onetrip_store_ready
            with self._opening:
                if self._store is None:
                    from plugins.credit.store import CreditStore

                    store = CreditStore(db, private=bool(
                        self.kernel.settings.get("private_store")))
                    store.create_tables()
                    self._store = store
        return self._store

    @hookimpl
    def onetrip_enrich_facts(self, case, facts):
        app = case.application
        facts.update(self.store.profile(app.applicant.identifier, local_day(app.submitted_at))
                     .facts())

    @hookimpl
    def onetrip_decisions_made(self, decisions):
        """Each stored case's commitments (容缺 and 告知承诺), the batch's in one transaction."""
        self.store.commit_many([c for case, decision in decisions
                                for c in commitments(case, decision)])

    @hookimpl
    def onetrip_case_event(self, case_id, event, payload):
        on = local_day(payload.get("at"))  # the event's time when given, else now
        if event == "supplemented" and not payload.get("outstanding"):
            self.store.settle(case_id, "fulfilled", on)  # kept only once nothing is owed
        elif event == "terminated" and payload.get("reason") == "supplement_not_provided":
            if not self.store.settle(case_id, "broken", on):
                self._broken_from_payload(case_id, payload, on)

    def _broken_from_payload(self, case_id: str, payload: dict[str, Any], on: date) -> None:
        """A termination for a commitment made before this plugin recorded any."""
        who = payload["applicant"]
        due = payload.get("supplement_by")
        self.store.commit(identifier=str(who["identifier"]).strip().upper(), kind=who["kind"],
                          name=who["name"],
                          case_id=case_id, commitment="tolerance",
                          items=_codes(payload.get("items"), "item"),
                          materials=_codes(payload.get("materials"), "material"), made_on=on,
                          due=local_day(due) if due else None, status="broken", settled_on=on)

    @hookimpl
    def onetrip_load_records(self, kind, data):
        if kind != "credit":
            return None
        from plugins.credit import records

        return records.apply(self.store, records.RecordFile.model_validate(data))

    @hookimpl
    def onetrip_cli(self, subparsers):
        from plugins.credit import cli

        cli.register(subparsers)


def commitments(case: Any, decision: Any) -> list[dict[str, Any]]:
    """The commitments a stored decision records: a tolerance one when materials may follow
    later, a notification one (告知承诺) for materials a signed commitment replaced."""
    if case.case_id is None:
        return []
    app = case.application
    made_on = local_day(app.submitted_at)
    common = {"identifier": app.applicant.identifier, "kind": app.applicant.kind,
              "name": app.applicant.name, "case_id": case.case_id,
              "items": [i.code for i in case.items], "made_on": made_on}
    out = []
    if decision.outcome == "accepted_with_tolerance":
        out.append({**common, "commitment": "tolerance", "due": decision.supplement_by,
                    "materials": [m.material for m in decision.tolerated]})
    promised = [w.material for w in decision.waived
                if w.reason == "commitment" and w.material not in app.materials]
    if promised and decision.outcome != "rejected":
        due = decision.due.committed
        out.append({**common, "commitment": "notification", "materials": promised,
                    "due": local_day(due) if due else None})
    return out


def _codes(values: Any, key: str) -> list[str]:
    """Codes from a payload list of codes or of objects carrying them under ``key``."""
    return [v[key] if isinstance(v, dict) else str(v) for v in values or ()]
