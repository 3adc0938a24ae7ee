"""Chinese working-day calendar (filled in by the calendar package)."""
