"""A plugin's calendar override reaches the kernel's calendar; without it 2027 is provisional."""

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
    due = kernel.calendar.due(date(2026, 12, 31), ("working_days", 1))
    assert (due.when, due.provisional) == (date(2027, 1, 4), False)


def test_without_override_the_kernel_counts_2027_provisionally(kernel):
    due = kernel.calendar.due(date(2026, 12, 31), ("working_days", 1))
    assert (due.when, due.provisional_years) == (date(2027, 1, 4), (2027,))
    with pytest.raises(calendars.CalendarCoverageError, match="1900"):
        kernel.calendar.due(date(1900, 1, 1), ("working_days", 1))
