"""Historic cases: the JSON Lines format, a CSV loader with a column mapping, bad-row reports."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kernel import HALL_TZ, Application

CONVERSION_ERROR = "\x00"  # marks a line whose conversion failed; never valid JSON
Outcome = Literal["accepted", "accepted_with_tolerance", "correction_required", "rejected"]


class Then(BaseModel):
    """What happened to the case at the time (all optional: old systems record little)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    outcome: Outcome | None = Field(None, description="the decision at acceptance then")
    visits: int | None = Field(None, ge=0, le=100, description="visits the applicant made")
    completed_on: date | None = Field(None, description="actual completion (出件) date")
    result: Literal["issued", "refused", "returned", "withdrawn", "open"] | None = None


class HistoricCase(BaseModel):
    """One line of a history file: the Application as the API takes it, and what happened."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    case_id: str = Field(min_length=1, max_length=64)
    application: Application
    desk: Literal["comprehensive", "department"] | None = Field(
        None, description="window cases: the comprehensive (综合) or a department's window")
    supplement_online: bool = Field(
        True, description="tolerated materials may be supplied online (no extra visit)")
    credit: dict[str, Any] | None = Field(None, description="applicant credit at the time")
    then: Then | None = None


class BadRow(ValueError):
    """A row that cannot be replayed; ``line`` is its 1-based line in the input file."""

    def __init__(self, line: int, message: str):
        self.line, self.message = line, message
        super().__init__(f"line {line}: {message}")


def explain(exc: Exception) -> str:
    """A one-line reason naming the field, for any error a row can raise."""
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return f"{where}: {err['msg']}" if where else err["msg"]
    field = getattr(exc, "field", None)
    return f"{field}: {exc}" if field else str(exc)


def parse_line(text: str, line: int) -> HistoricCase:
    """Parse one JSON Lines row; raises BadRow naming the line and the field."""
    if text.startswith(CONVERSION_ERROR):
        raise BadRow(line, text[len(CONVERSION_ERROR):])
    try:
        return HistoricCase.model_validate_json(text)
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "json_invalid":
            raise BadRow(line, f"not JSON: {exc.errors()[0]['ctx']['error']}") from None
        raise BadRow(line, explain(exc)) from None


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every non-blank line, streamed."""
    with open(path, encoding="utf-8") as fh:
        for n, text in enumerate(fh, 1):
            if text.strip():
                yield n, text


# -- CSV ------------------------------------------------------------------------------------

# Our column name -> meaning; a mapping file renames a hall system's columns to these.
CSV_COLUMNS = {
    "case_id": "case number (办件编号)",
    "items": "item codes, separated by ';'",
    "applicant_kind": "person or organisation",
    "applicant_name": "applicant name",
    "applicant_id": "resident ID number or unified social credit code",
    "submitted_at": "submission time, ISO 8601; without an offset it is hall time (UTC+8)",
    "channel": "window, online or bank",
    "materials": "codes of materials handed in, separated by ';'",
    "facts": "declared facts as name=value pairs separated by ';' (true/false, numbers)",
    "desk": "comprehensive or department (window cases)",
    "supplement_online": "yes/no: tolerated materials may follow online",
    "outcome": "the decision then",
    "visits": "visits made",
    "completed_on": "completion date (YYYY-MM-DD)",
}


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _when(text: str) -> str:
    stamp = datetime.fromisoformat(text.strip())
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=HALL_TZ)).isoformat()


def csv_row(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row (our column names) as a history JSON object."""
    get = {k: (v or "").strip() for k, v in row.items() if k}.get
    kind = get("applicant_kind") or "organisation"
    key = "id_number" if kind == "person" else "credit_code"
    facts = dict(p.split("=", 1) for p in _split(get("facts") or ""))
    then = {k: v for k, v in (("outcome", get("outcome")), ("visits", get("visits")),
                              ("completed_on", get("completed_on"))) if v}
    out: dict[str, Any] = {
        "case_id": get("case_id"),
        "application": {
            "items": _split(get("items") or ""), "submitted_at": _when(get("submitted_at") or ""),
            "applicant": {"kind": kind, "name": get("applicant_name"), key: get("applicant_id")},
            "channel": get("channel") or "window", "materials": _split(get("materials") or ""),
            "facts": {k.strip(): _scalar(v.strip()) for k, v in facts.items()},
        },
        "then": then or None,
    }
    if get("desk"):
        out["desk"] = get("desk")
    if get("supplement_online"):
        out["supplement_online"] = get("supplement_online").lower() in ("yes", "true", "1", "是")
    return out


def csv_lines(path: Path, mapping: dict[str, str] | None = None) -> Iterator[tuple[int, str]]:
    """Rows of a service-hall CSV export as (line number, history JSON line), streamed.

    ``mapping`` maps our column names to the export's; a row that cannot be converted is
    passed on as a conversion error, reported with its line like any other bad row.
    """
    rename = {theirs: ours for ours, theirs in (mapping or {}).items()}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        unknown = [c for c in (reader.fieldnames or []) if rename.get(c, c) not in CSV_COLUMNS]
        if unknown and not mapping:
            raise BadRow(1, f"unknown column(s) {', '.join(unknown)}; give a column mapping")
        for row in reader:
            line = reader.line_num
            try:
                text = json.dumps(csv_row({rename.get(k, k): v for k, v in row.items()}),
                                  ensure_ascii=False)
            except (ValueError, TypeError) as exc:
                text = f"{CONVERSION_ERROR}CSV: {exc}"
            yield line, text


def load_mapping(path: Path) -> dict[str, str]:
    """A column mapping file: YAML ``our_column: their column``; unknown names are errors."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    bad = [k for k in data if k not in CSV_COLUMNS]
    if not isinstance(data, dict) or bad:
        raise ValueError(f"{path}: unknown column name(s) {bad}; known: {', '.join(CSV_COLUMNS)}")
    return {str(k): str(v) for k, v in data.items()}


def source_lines(path: Path, mapping: dict[str, str] | None = None) -> Iterable[tuple[int, str]]:
    """Lines of a history file, JSON Lines or CSV (by extension)."""
    if Path(path).suffix.lower() == ".csv":
        return csv_lines(Path(path), mapping)
    return read_lines(Path(path))
