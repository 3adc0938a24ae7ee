"""A year's notice arrives: open cases counted provisionally through it are counted again."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import calendars
from kernel.store.lifecycle import Lifecycle

TZ = ZoneInfo("Asia/Shanghai")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# A 2027 schedule with one more rest day (Mon 01-04) before the committed due date 2027-01-05.
NOTICE_2027 = """\
source: 测试用2027年节假日安排
covers: [2027]
holidays:
  - {from: 2027-01-01, to: 2027-01-04, name: 元旦}
  - {from: 2027-02-05, to: 2027-02-11, name: 春节}
  - {date: 2027-04-05, name: 清明节}
  - {from: 2027-05-01, to: 2027-05-05, name: 劳动节}
  - {date: 2027-06-09, name: 端午节}
  - {date: 2027-09-15, name: 中秋节}
  - {from: 2027-10-01, to: 2027-10-07, name: 国庆节}
workdays:
  - {date: 2027-02-13, name: 调休上班}
"""


@pytest.fixture(autouse=True)
def notice_folder(tmp_path, monkeypatch):
    """An empty notice folder of the test's own; no calendar built before or after leaks."""
    folder = tmp_path / "notices"
    folder.mkdir()
    monkeypatch.setenv("ONETRIP_CALENDAR_DIR", str(folder))
    calendars.china.cache_clear()
    yield folder
    calendars.china.cache_clear()


@pytest.fixture
def notice(tmp_path) -> Path:
    path = tmp_path / "gov-2027.yaml"
    path.write_text(NOTICE_2027, encoding="utf-8")
    return path


def land_site() -> dict:
    return json.loads((EXAMPLES / "land_site_2026-12-28.json").read_text(encoding="utf-8"))


def at(y, m, d, h=12) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def test_a_notice_moves_an_open_case_once_and_plugins_hear_of_it(kernel, recorder, notice):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(land_site())
    before = lc.get(case_id, at(2026, 12, 29))
    assert before["due"] == {"committed": date(2027, 1, 5), "legal": date(2027, 1, 26)}
    assert before["decision"].get("due")["provisional_years"] == [2027]
    assert lc.recompute_due(at=at(2026, 12, 29)) == 0  # nothing known yet: nothing moves

    done = calendars.install_override(notice)
    assert done.settled == (2027,)
    assert lc.recompute_due(since=2027, at=at(2026, 12, 29)) == 1

    cal = kernel.calendar
    assert 2027 not in cal.provisional_years
    new = {"committed": cal.due(date(2026, 12, 28), ("working_days", 5)).day,
           "legal": cal.due(date(2026, 12, 28), ("working_days", 20)).day}
    assert new["committed"] == date(2027, 1, 6)  # 01-04 is a rest day now
    view = lc.get(case_id, at(2026, 12, 29))
    assert view["due"] == new
    (event,) = [e for e in view["events"] if e["kind"] == "due_recomputed"]
    assert event["payload"]["old"]["due_committed"] == "2027-01-05"
    assert event["payload"]["old"]["due_legal"] == "2027-01-26"
    assert event["payload"]["new"]["due_committed"] == "2027-01-06"
    assert event["payload"]["new"]["due_legal"] == new["legal"].isoformat()
    assert event["payload"]["provisional_years"] == []
    heard = [(c, p) for c, kind, p in recorder.events if kind == "due_recomputed"]
    assert heard == [(case_id, event["payload"])]

    # Overdue lists and warnings follow the new date.
    assert lc.find(overdue=True, as_of=at(2027, 1, 6)) == []
    assert [c["id"] for c in lc.find(overdue=True, as_of=at(2027, 1, 7))] == [case_id]
    assert lc.get(case_id, at(2027, 1, 5))["clock"]["remaining_working_days"] == 1

    assert lc.recompute_due(at=at(2026, 12, 30)) == 0  # a second run changes nothing
    again = lc.get(case_id, at(2026, 12, 30))
    assert [e["kind"] for e in again["events"]].count("due_recomputed") == 1
    assert [k for _, k, _ in recorder.events].count("due_recomputed") == 1


def test_a_case_whose_dates_do_not_move_gets_no_event(kernel, recorder, tmp_path):
    lc = Lifecycle(kernel)
    early, _ = lc.submit(dict(land_site(), submitted_at="2026-06-01T10:00:00+08:00"))
    plain = tmp_path / "gov-2027.yaml"  # the statutory days themselves: nothing moves
    plain.write_text(NOTICE_2027.replace("to: 2027-01-04", "to: 2027-01-03"), encoding="utf-8")
    calendars.install_override(plain)
    assert lc.recompute_due(at=at(2026, 12, 29)) == 0
    assert "due_recomputed" not in [e["kind"] for e in lc.get(early)["events"]]


def test_calendar_load_recounts_the_cases_of_the_database(kernel, notice, db_url, capsys):
    from kernel.cli import main

    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(land_site())
    assert main(["calendar", "load", str(notice), "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "no longer provisional: 2027" in out and "1 open case(s) with new due dates" in out
    assert lc.get(case_id)["due"]["committed"] == date(2027, 1, 6)
    assert main(["calendar", "load", str(notice), "--db", db_url]) == 0  # the same file again
    assert "0 open case(s)" in capsys.readouterr().out


ADMIN, CLERK = "admin-token-0123456789", "clerk-token-0123456789"


def api(kernel, steps, sweep=False):
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer

    from kernel.http.app import create_app
    from kernel.http.auth import ServerConfig, TokenSpec

    config = ServerConfig(tokens=[TokenSpec(token=ADMIN, role="admin"),
                                  TokenSpec(token=CLERK, role="clerk")],
                          rules_check_interval=0.05)

    async def main():
        async with TestClient(TestServer(create_app(kernel, config, sweep=sweep))) as client:
            return await steps(client)

    return asyncio.run(main())


def bearer(token):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/yaml"}


def test_an_admin_posts_a_schedule_and_open_cases_follow(kernel, recorder):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(land_site())

    async def steps(c):
        url = "/v1/calendar/schedules"
        refused = await c.post(url, data=NOTICE_2027, headers=bearer(CLERK))
        bad = await c.post(url + "?name=gov-2027.yaml", data="source: x\nholidays: [1]\n",
                           headers=bearer(ADMIN))
        first = await c.post(url + "?name=gov-2027.yaml", data=NOTICE_2027,
                             headers=bearer(ADMIN))
        again = await c.post(url + "?name=gov-2027.yaml", data=NOTICE_2027,
                             headers=bearer(ADMIN))
        other = await c.post(url + "?name=gov-2027.yaml", data=NOTICE_2027 + "# v2\n",
                             headers=bearer(ADMIN))
        view = await c.get(f"/v1/cases/{case_id}", headers=bearer(ADMIN))
        return (refused.status, bad.status, await bad.json(), first.status, await first.json(),
                await again.json(), other.status, await view.json())

    refused, bad, bad_body, status, first, again, other, view = api(kernel, steps)
    assert (refused, bad, status, other) == (403, 422, 200, 409)
    assert bad_body["error"]["field"] == "body" and "gov-2027.yaml" in bad_body["error"]["message"]
    assert first == {"installed": "gov-2027.yaml", "covers": [2027], "settled": [2027],
                     "recomputed": 1}
    assert again["recomputed"] == 0
    assert view["due"]["committed"] == "2027-01-06"
    assert [e["kind"] for e in view["events"]].count("due_recomputed") == 1
    assert [k for _, k, _ in recorder.events].count("due_recomputed") == 1


def test_the_server_follows_a_notice_another_process_installed(kernel, recorder, notice):
    import asyncio

    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(land_site())

    async def steps(c):
        await asyncio.to_thread(calendars.install_override, notice)  # "another process"
        for _ in range(100):
            await asyncio.sleep(0.05)
            if any(k == "due_recomputed" for _, k, _ in recorder.events):
                break

    api(kernel, steps, sweep=True)
    assert lc.get(case_id)["due"]["committed"] == date(2027, 1, 6)
    assert 2027 not in kernel.calendar.provisional_years
