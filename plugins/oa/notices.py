"""Formal notices from case decisions become outgoing documents, so their issuing is tracked."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy.exc import IntegrityError

from plugins.oa.models import NewDocument
from plugins.oa.service import OAService

# Notices go to applicants whose own dates run from them: 加急 rather than 平件.
NOTICE_URGENCY = "urgent"


def open_notices(service: OAService, case: Any, decision: Any) -> list[str]:
    """One outgoing document per notice of a stored case; a notice seen before is skipped."""
    if case.case_id is None:
        return []
    departments = list(dict.fromkeys(item.department for item in case.items))
    opened = []
    for text in decision.notices:
        heading = text.split("：", 1)[0]  # e.g. 补正材料通知书（一次性告知）
        kind = re.sub(r"（[^）]*）$", "", heading)
        new = NewDocument(
            flow="outgoing", title=f"{heading} {case.case_id}", type=kind,
            urgency=NOTICE_URGENCY, lead=departments[0] if departments else None,
            co_handling=tuple(departments[1:]), received_at=case.at, case_id=case.case_id,
            body=text,
        )
        key = hashlib.sha256(text.encode()).hexdigest()[:32]
        try:
            opened.append(service.create(new, notice_key=key)["id"])
        except IntegrityError:  # the same notice of the same case: decided again
            continue
    return opened
