"""Chinese working-day calendar: official holidays, 调休 make-up days, office hours, clocks."""

from .calendar import WorkingCalendar, china
from .clock import Clock, Pause
from .days import WorkingDays
from .deadline import Deadline
from .errors import CalendarCoverageError, OverrideError
from .hours import DEFAULT_OFFICE_HOURS, OfficeHours
from .install import Installed, install_override
from .override_files import DaySpec, OverrideFile, load_override
from .schedule import DayInfo
from .zone import HALL_TZ

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "HALL_TZ",
    "CalendarCoverageError",
    "Clock",
    "DayInfo",
    "DaySpec",
    "Deadline",
    "Installed",
    "OfficeHours",
    "OverrideError",
    "OverrideFile",
    "Pause",
    "WorkingCalendar",
    "WorkingDays",
    "china",
    "install_override",
    "load_override",
]
