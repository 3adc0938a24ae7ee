"""A plugin's calendar override reaches the kernel's calendar; without it 2027 is refused."""

from datetime import date

import pytest

import calendars
from kernel import hookimpl

OVERRIDE = """
source: 本单位2027年办公安排（测试用，非官方）
covers: [2027]
holidays:
  - {date: 2027-01-01, name: 元旦}
"""


class Closures:
    def __init__(self, path):
        self.path = path

    @hookimpl
    def onetrip_calendar_overrides(self):
        return [self.path]


def test_override_from_a_plugin_covers_a_year(make_kernel, tmp_path):
    path = tmp_path / "closures-2027.yaml"
    path.write_text(OVERRIDE, encoding="utf-8")
    kernel = make_kernel(entry_points=False, extra_plugins=[("closures", Closures(path))])
    # Dec 31 2026 (Thu) + 1 working day: Jan 1 2027 is the file's holiday, so Jan 4 (Mon)
    assert kernel.calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_without_override_the_kernel_refuses_to_count_into_2027(kernel):
    with pytest.raises(calendars.CalendarCoverageError) as info:
        kernel.calendar.add_working_days(date(2026, 12, 31), 1)
    assert "2027" in str(info.value)
