"""The item catalogue (事项目录): items from every plugin, and merged-item resolution."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from kernel.models import Item
from kernel.sharing import SharingDirectory
from kernel.yamlsrc import Problem, SourceError, load

_OTHER = object()


class CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: str
    items: list[Item]


class UnknownItem(ValueError):
    def __init__(self, code: str, index: int):
        self.field = f"items.{index}"
        super().__init__(f"unknown item code {code!r}")


class ItemRegistry:
    """Every item by code; an item code belongs to exactly one plugin."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.owners: dict[str, str] = {}
        self.plugin = "kernel"  # set by the manager while a plugin's hook runs
        self._asked: dict[tuple, tuple[Item, Item]] = {}  # (code, …) -> (item, as asked)
        self._conditions: dict[str, dict] = {}  # code -> {fact its materials name: values}
        self.sources: dict[str, tuple[str, int]] = {}  # code -> (catalogue file, line)
        self.material_lines: dict[tuple[str, str], int] = {}  # (item, material) -> line
        self.sharing = SharingDirectory()  # the data-sharing directory materials refer to

    def add(self, item: Item) -> None:
        if item.code in self.items:
            raise ValueError(f"item {item.code} is registered by both {self.owners[item.code]} "
                             f"and {self.plugin}")
        self.items[item.code] = item
        self.owners[item.code] = self.plugin
        self._merged = None

    def load(self, path: Path | str) -> None:
        """Add every item of a YAML catalogue file; errors name file:line."""
        source = load(path)
        spec = source.validated(CatalogueFile)
        for i, item in enumerate(spec.items):
            line = source.line_of(("items", i))
            try:
                self.add(item)
            except ValueError as exc:
                raise SourceError([Problem(source.path, line, str(exc))]) from None
            self.sources[item.code] = (str(source.path), line)
            for j, m in enumerate(item.materials):
                self.material_lines[item.code, m.code] = source.line_of(
                    ("items", i, "materials", j))

    def asked(self, item: Item, by_agent: bool, facts: dict | None = None) -> Item:
        """``item`` with the materials this applicant is asked for: those asked of agents
        only (授权委托书) are left out when the applicant applies in person, and those
        ``asked_when`` some applicant facts are left out when ``facts`` gives another value."""
        facts = facts or {}
        named = self._conditions.get(item.code)
        if named is None:
            named = self._conditions[item.code] = {
                n: frozenset(v for m in item.materials for v in m.asked_when.get(n, ()))
                for m in item.materials for n in m.asked_when}
        # a value no material names keys as OTHER: the cache stays as small as the catalogue
        key = (item.code, by_agent, *((facts[n] if facts[n] in values else _OTHER)
                                      if n in facts else None for n, values in named.items()))
        found = self._asked.get(key)
        if found is None or found[0] is not item:
            kept = tuple(m for m in item.materials if (by_agent or not m.agent_only) and all(
                n not in facts or facts[n] in values for n, values in m.asked_when.items()))
            found = self._asked[key] = (item, item if len(kept) == len(item.materials)
                                        else item.model_copy(update={"materials": kept}))
        return found[1]

    def check(self) -> None:
        """Every merged item names constituents that exist; every combined item (三窗合一)
        names parts that exist and are not combined themselves."""
        for item in self.items.values():
            for code in item.merges:
                if code not in self.items:
                    raise ValueError(f"item {item.code} merges unknown item {code}")
            if item.merges and item.parallel:
                raise ValueError(f"item {item.code} both merges items and fans out to parts")
            for code in item.parallel:
                part = self.items.get(code)
                if part is None:
                    raise ValueError(f"item {item.code} has an unknown part {code}")
                if part.parallel:
                    raise ValueError(f"item {item.code}: its part {code} has parts of its own")

    def lint(self) -> None:
        """Raise SourceError naming file:line of every item that lacks its
        implementation-list record (实施清单), and of every material whose shared_source
        names no data-sharing directory entry for it."""
        problems = [
            Problem(*self.sources.get(code, (f"<plugin {self.owners[code]}>", 0)),
                    f"item {code} lacks its implementation-list fields (implementation: "
                    "code, body, level, handling, visits, fee, one_window, online)")
            for code, item in self.items.items() if item.implementation is None]
        problems += self.sharing.problems(self._shared(), self.items)
        if problems:
            raise SourceError(problems)

    def _shared(self) -> list[tuple[str, str, str | None, tuple[str, int]]]:
        out = []
        for code, item in self.items.items():
            file, line = self.sources.get(code, (f"<plugin {self.owners[code]}>", 0))
            out += [(code, m.code, m.shared_source,
                     (file, self.material_lines.get((code, m.code), line)))
                    for m in item.materials if m.shared_source]
        return out

    def merged(self) -> list[Item]:
        """Items that merge constituents (computed once the catalogue is complete)."""
        if getattr(self, "_merged", None) is None:
            self._merged = [i for i in self.items.values() if i.merges]
        return self._merged

    def resolve(self, codes: tuple[str, ...]) -> tuple[tuple[Item, ...], list[str]]:
        """The items of an application: constituents of a merged item become that item.

        Returns the items and a note per merge made (一张申请表单: several constituent
        items applied for together are handled as their merged item).
        """
        for i, code in enumerate(codes):
            if code not in self.items:
                raise UnknownItem(code, i)
        chosen = list(dict.fromkeys(codes))
        notes = []
        for item in self.merged():
            parts = [c for c in item.merges if c in chosen]
            if len(parts) >= 2:
                first = chosen.index(parts[0])
                chosen = [c for c in chosen if c not in parts]
                chosen.insert(min(first, len(chosen)), item.code)
                notes.append(f"{' + '.join(parts)} handled as {item.code} ({item.name})")
        return self._fan_out(tuple(dict.fromkeys(chosen)), notes), notes

    def _fan_out(self, codes: tuple[str, ...], notes: list[str]) -> tuple[Item, ...]:
        """A combined item (三窗合一) becomes its parts, each decided on its own."""
        out: list[str] = []
        for code in codes:
            item = self.items[code]
            if item.parallel:
                notes.append(f"{code} ({item.name}) handled in parallel as "
                             f"{' + '.join(item.parallel)}")
            out += item.parallel or [code]
        return tuple(self.items[c] for c in dict.fromkeys(out))

    def parts_of(self, codes: tuple[str, ...]) -> dict[str, str]:
        """part code -> the combined item an application named it through."""
        return {part: code for code in codes if code in self.items
                for part in self.items[code].parallel}
