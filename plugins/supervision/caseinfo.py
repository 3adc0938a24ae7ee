"""Who answers for a case: its responsible department and its first-contact window (首问)."""

from __future__ import annotations

from typing import Any, NamedTuple

# Where a case without a recorded window came in: the channel says it (首问责任制: the
# first contact is the online hall, a bank outlet, or the department's own window).
CHANNEL_WINDOWS = {"online": ("ONLINE", "online"), "bank": ("BANK", "bank")}


class Party(NamedTuple):
    department: str
    window: str
    level: str
    kind: str


def responsible(kernel: Any, items: list[str], application: dict[str, Any]) -> Party:
    """The first item's department answers for the case (the lead of a multi-item one); the
    window is the application's, else the one its channel implies."""
    known = kernel.items.items
    item = next((known[c] for c in items if c in known), None)
    department = item.department if item else "-"
    impl = item.implementation if item else None
    window = application.get("window")
    if window:
        return Party(department, window["code"], window["level"], window["kind"])
    level = impl.level if impl else "city"
    code, kind = CHANNEL_WINDOWS.get(application.get("channel", "window"),
                                     (f"{department}:own", "department"))
    return Party(department, code, level, kind)
