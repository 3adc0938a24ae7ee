"""Helpers for the store and API tests: example applications and a recording plugin."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Field, Session, SQLModel

from kernel import hookimpl
from rules import RULES_DIR

ROOT = Path(__file__).resolve().parent.parent
TEST_RULES = [RULES_DIR / "common", RULES_DIR / "natural_resources",
              Path(__file__).parent / "store" / "rules"]


class BrokenCommitment(SQLModel, table=True):
    """What the throw-away test plugin records from a ``terminated`` event."""

    __tablename__ = "test_broken_commitments"
    id: int | None = Field(default=None, primary_key=True)
    case_id: str
    identifier: str
    materials: str
    supplement_by: str


class Recorder:
    """A throw-away plugin: remembers every event and writes broken commitments to a table."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict]] = []
        self.kernel = None

    @hookimpl
    def onetrip_startup(self, kernel):
        self.kernel = kernel

    @hookimpl
    def onetrip_case_event(self, case_id, event, payload):
        self.events.append((case_id, event, payload))
        if event == "terminated":
            with Session(self.kernel.db) as s:
                s.add(BrokenCommitment(case_id=case_id,
                                       identifier=payload["applicant"]["identifier"],
                                       materials=",".join(payload["materials"]),
                                       supplement_by=payload["supplement_by"]))
                s.commit()


def application(**changes) -> dict:
    data = json.loads((ROOT / "examples" / "land_site_complete.json").read_text())
    data.update(changes)
    return data


def tolerated_application(**changes) -> dict:
    """Main materials complete, the tolerable boundary survey missing."""
    data = application(**changes)
    data["materials"] = [m for m in data["materials"] if m != "NR-M-BOUNDARY-SURVEY"]
    return data
