"""Errors of the working-day calendar."""

from __future__ import annotations


class CalendarCoverageError(ValueError):
    """A date falls in a year the calendar cannot count: before the known years, in a region's
    gap, or past the provisional ones. Refused rather than guessed."""

    def __init__(self, year: int, covered: tuple[int, ...], region: str | None = None,
                 provisional: tuple[int, ...] = ()) -> None:
        self.year = year
        self.covered = covered
        self.region = region
        self.provisional = provisional
        scope = f"region {region}" if region else "China"
        known = _ranges(covered) or "none"
        if provisional:
            known += f"; counted provisionally: {_ranges(provisional)}"
        super().__init__(
            f"no official holiday schedule for {year} ({scope}; known years: {known}); "
            f"add an override file with `covers: [{year}]` listing that year's holidays and "
            "make-up working days (calendars/overrides/*.yaml, or china(overrides=...))"
        )


class OverrideError(ValueError):
    """An override file is malformed or contradicts the data it overrides; names file:line."""


def _ranges(years: tuple[int, ...]) -> str:
    """(2001, 2002, 2003, 2017) -> '2001–2003, 2017': short enough for one error line."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and runs[-1][1] == y - 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)
