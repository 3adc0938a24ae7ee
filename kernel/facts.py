"""Declared case facts: their names, types and owners, and the per-case context."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kernel.models import Application, Item

FactType = Literal["string", "integer", "boolean", "number"]
NAME_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_PY = {"string": (str,), "integer": (int,), "boolean": (bool,), "number": (int, float)}
# durable_rules rejects exponent notation and compares loosely; numbers stay in this range.
_NUMBER_LIMIT = 1e15
# The C core fails past ~251 properties per fact; keep well clear of it.
MAX_FACTS = 200


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: FactType
    description: str
    owner: str
    applicant: bool = False


@dataclass
class CaseContext:
    """One application under evaluation: what hooks receive."""

    application: Application
    items: tuple[Item, ...]
    at: datetime
    case_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FactRegistry:
    """Fact names rules may use; each namespace belongs to one plugin."""

    def __init__(self) -> None:
        self.specs: dict[str, FactSpec] = {}
        self.owners: dict[str, str] = {}
        self.plugin = "kernel"  # set by the manager while a plugin's hook runs
        self.reserved: set[str] = set()  # plugin names: each is its own plugin's namespace

    def declare(self, name: str, type: FactType, description: str, applicant: bool = False):
        if not NAME_RE.fullmatch(name):
            raise ValueError(f"fact name {name!r} is not namespace.field in lower case")
        if type not in _PY:
            raise ValueError(f"fact {name}: type must be one of {sorted(_PY)}")
        namespace = name.split(".", 1)[0]
        owner = namespace if namespace in self.reserved else self.owners.get(namespace,
                                                                             self.plugin)
        if owner != self.plugin:
            why = "its own name" if owner == namespace else "it declared it first"
            raise ValueError(f"fact {name}: namespace {namespace!r} belongs to plugin {owner} "
                             f"({why}); plugin {self.plugin} may name its facts "
                             f"{self.plugin}.<field>")
        self.owners[namespace] = owner
        if name in self.specs:
            raise ValueError(f"fact {name} is declared twice")
        if len(self.specs) >= MAX_FACTS:
            raise ValueError(f"more than {MAX_FACTS} facts declared")
        self.specs[name] = FactSpec(name, type, description, self.plugin, applicant)

    def check_value(self, name: str, value: Any) -> Any:
        """Return ``value`` normalised for the engine, or raise ValueError naming the fact."""
        spec = self.specs.get(name)
        if spec is None:
            raise ValueError(f"unknown fact {name!r}")
        ok = isinstance(value, _PY[spec.type]) and (spec.type == "boolean") == isinstance(
            value, bool
        )
        if not ok:
            raise ValueError(f"fact {name} must be of type {spec.type}, not {value!r}")
        if spec.type in ("number", "integer") and not abs(value) < _NUMBER_LIMIT:
            raise ValueError(f"fact {name}: {value!r} is out of range")
        if spec.type == "number":
            value = round(float(value), 4)
        return value
