"""Cross-check every date 2004–2026 against the independent `chinesecalendar` package."""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from calendars import china

# Every date on which the two sources disagree, with the reason our side is trusted.
# A new disagreement fails the test until someone reads the notice and adds it here.
ALLOWED = {
    # 国办发明电〔2005〕35号 (2006 schedule): "12月31日（星期六）上班" — 元旦 2006 was 1–3 Jan,
    # with Saturday 2005-12-31 worked. chinesecalendar files it as an ordinary Saturday.
    dt.date(2005, 12, 31): True,
}


def test_every_date_2004_to_2026_agrees_with_chinesecalendar() -> None:
    cal = china()
    day, last = dt.date(2004, 1, 1), dt.date(2026, 12, 31)
    disagreements: dict[dt.date, bool] = {}
    while day <= last:
        ours = cal.is_working_day(day)
        if ours != chinese_calendar.is_workday(day):
            disagreements[day] = ours
        day += dt.timedelta(days=1)
    assert disagreements == ALLOWED
