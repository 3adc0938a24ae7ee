"""Logs never hold an unmasked ID number or credit code, whatever an exception's text quotes."""

from __future__ import annotations

import asyncio
import logging

from aiohttp.test_utils import TestClient, TestServer
from casekit import application
from sqlalchemy import event

from kernel.http.app import create_app
from kernel.ids import mask, mask_text

PERSON = {"kind": "person", "name": "张三", "id_number": "11010519491231002X"}


def test_identifiers_in_any_text_are_masked():
    text = ("row (91350100M000100Y43, 11010519491231002x) key 11010519491231002X; "
            "not 123, 91350100M000100Y431 or a0f3c9b2e1d04c6a8f7e6d5c4b3a2910")
    assert mask_text(text) == (
        "row (9135************43, 1101************2x) key 1101************2X; "
        "not 123, 91350100M000100Y431 or a0f3c9b2e1d04c6a8f7e6d5c4b3a2910")


def test_a_failing_batch_logs_no_raw_identifier(kernel, caplog):
    """The database refuses the batch with a message quoting the row, as PostgreSQL's
    "Failing row contains (...)" does; every log line names the applicants masked."""
    people = [application(), application(applicant=PERSON)]
    dbapi = kernel.db.dialect.dbapi

    def refuse(conn, cursor, statement, *_):
        if statement.startswith("INSERT INTO cases"):
            raise dbapi.OperationalError("could not write; failing row contains "
                                         f"(91350100M000100Y43, {PERSON['id_number']})")

    async def main():
        async with TestClient(TestServer(create_app(kernel, sweep=False))) as c:
            resps = await asyncio.gather(*[c.post("/v1/cases", json=p) for p in people * 3])
            return [r.status for r in resps]

    event.listen(kernel.db, "before_cursor_execute", refuse)
    with caplog.at_level(logging.DEBUG):
        statuses = asyncio.run(main())
    assert statuses == [500] * 6
    for identifier in ("91350100M000100Y43", PERSON["id_number"]):
        assert identifier not in caplog.text
        assert mask(identifier) in caplog.text  # the failure was logged, masked
