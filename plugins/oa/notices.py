"""Formal notices from case decisions become outgoing documents, so their issuing is tracked.

A correction notice's document is due by the close of the case's ``correction_notice_by``
(行政许可法 art. 32); once it is dispatched (核发) the case records the notice as given.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from sqlalchemy.exc import IntegrityError

from plugins.oa.models import NewDocument
from plugins.oa.service import OAService
from plugins.oa.timing import close_of

log = logging.getLogger("onetrip.oa")
# Notices go to applicants whose own dates run from them: 加急 rather than 平件.
NOTICE_URGENCY = "urgent"
# 行政许可法 art. 32: this notice reaches the applicant within five working days of receipt.
CORRECTION_NOTICE = "补正材料通知书"


def open_notices(service: OAService, case: Any, decision: Any) -> list[str]:
    """One outgoing document per notice of a stored case; a notice seen before is skipped."""
    if case.case_id is None:
        return []
    departments = list(dict.fromkeys(item.department for item in case.items))
    region = case.application.region
    opened = []
    for text in decision.notices:
        heading = text.split("：", 1)[0]  # e.g. 补正材料通知书（一次性告知）
        kind = re.sub(r"（[^）]*）$", "", heading)
        by = decision.correction_notice_by if kind == CORRECTION_NOTICE else None
        new = NewDocument(
            flow="outgoing", title=f"{heading} {case.case_id}", type=kind,
            urgency=NOTICE_URGENCY, lead=departments[0] if departments else None,
            co_handling=tuple(departments[1:]), received_at=case.at, case_id=case.case_id,
            body=text, region=region,
            deadline=close_of(service.calendar_for(region), by) if by else None,
        )
        key = hashlib.sha256(text.encode()).hexdigest()[:32]
        try:
            opened.append(service.create(new, notice_key=key)["id"])
        except IntegrityError:  # the same notice of the same case: decided again
            continue
    return opened


def notice_given(lifecycle: Any, doc: Any, at: Any) -> bool:
    """Tell the case its correction notice was dispatched; False when the case no longer
    waits for one (deemed accepted meanwhile, or not a stored case)."""
    from kernel.core import InputError
    from kernel.store.lifecycle import NotFound, StateError

    if doc.case_id is None or doc.doc_type != CORRECTION_NOTICE:
        return False
    try:
        lifecycle.correction_notice(doc.case_id, at)
    except (NotFound, StateError, InputError) as exc:  # gone, moved on, or dated wrongly
        log.warning("correction notice %s of case %s: %s", doc.id, doc.case_id, exc)
        return False
    return True
