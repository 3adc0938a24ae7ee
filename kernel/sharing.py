"""The data-sharing directory (政务信息资源共享目录): which system supplies which material.

A material is waived for data sharing only when an entry of this directory says which
system supplies it for the applicant's kind; an entry marked ``requires_existing`` is a
document that must already exist, so a case that applies for an item issuing it cannot
have it shared. Departments maintain their entries as YAML (``items.sharing.load(path)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kernel.yamlsrc import Problem, SourceError, load

EntryId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class SharingEntry(BaseModel):
    """One directory entry: ``system`` supplies ``material`` for ``applicant_kinds``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EntryId = Field(description="the entry's code, named by materials' shared_source")
    material: Code = Field(description="the material code it supplies")
    system: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="the system that supplies it, e.g. 市场主体登记信息库")
    applicant_kinds: tuple[Literal["person", "organisation"], ...] = Field(
        min_length=1, description="applicants the system holds the material for")
    requires_existing: bool = Field(
        False, description="a document that must already exist: not shared when the same "
        "case applies for an item that issues it")
    issued_by: tuple[Code, ...] = Field(
        (), description="items whose result is this document (with requires_existing)")
    basis: str | None = Field(None, description="the sharing agreement or catalogue entry")


class SharingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: str
    entries: list[SharingEntry]


class SharingDirectory:
    """Every entry by id, with the file and line it came from."""

    def __init__(self) -> None:
        self.entries: dict[str, SharingEntry] = {}
        self.sources: dict[str, tuple[str, int]] = {}

    def add(self, entry: SharingEntry, where: tuple[str, int] = ("<plugin>", 0)) -> None:
        if entry.id in self.entries:
            file, line = self.sources[entry.id]
            raise ValueError(f"sharing entry {entry.id} is already defined at {file}:{line}")
        self.entries[entry.id] = entry
        self.sources[entry.id] = where

    def load(self, path: Path | str) -> None:
        """Add every entry of a YAML directory file; errors name file:line."""
        source = load(path)
        spec = source.validated(SharingFile)
        for i, entry in enumerate(spec.entries):
            where = (str(source.path), source.line_of(("entries", i)))
            try:
                self.add(entry, where)
            except ValueError as exc:
                raise SourceError([Problem(*where, str(exc))]) from None

    def entry_for(self, entry_id: str | None, material: str,
                  applicant_kind: str) -> SharingEntry | None:
        """The entry that lets ``material`` be fetched for this kind of applicant, or None."""
        entry = self.entries.get(entry_id) if entry_id else None
        if entry is None or entry.material != material:
            return None
        return entry if applicant_kind in entry.applicant_kinds else None

    def problems(self, materials: Iterable[tuple[str, str, str | None, tuple[str, int]]],
                 items: Iterable[str]) -> list[Problem]:
        """Lint: (item, material, shared_source, where) naming no entry for that material,
        and entries issued by items the catalogue does not have."""
        known = set(items)
        out = []
        for item, material, ref, where in materials:
            if ref is None:
                continue
            entry = self.entries.get(ref)
            if entry is None:
                out.append(Problem(*where, f"item {item} material {material}: shared_source "
                                   f"{ref!r} is not in the data-sharing directory"))
            elif entry.material != material:
                out.append(Problem(*where, f"item {item} material {material}: directory entry "
                                   f"{ref} supplies {entry.material}, not {material}"))
        for entry_id, entry in self.entries.items():
            if entry.requires_existing and not entry.issued_by:
                out.append(Problem(*self.sources[entry_id], f"sharing entry {entry_id}: "
                                   "requires_existing needs issued_by (the items issuing it)"))
            for code in entry.issued_by:
                if code not in known:
                    out.append(Problem(*self.sources[entry_id], f"sharing entry {entry_id}: "
                                       f"issued_by names unknown item {code}"))
        return out


def issuer_in(entry: SharingEntry, applied_for: Iterable[str]) -> str | None:
    """The item of this case that issues the entry's document, which so does not exist yet."""
    if not entry.requires_existing:
        return None
    wanted = set(applied_for)
    return next((code for code in entry.issued_by if code in wanted), None)
