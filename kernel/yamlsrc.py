"""YAML loading that remembers where every value stood, so errors can name file:line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    """One error in one source file, printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class SourceError(ValueError):
    """One or more problems found in source files; nothing from them was taken."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _LineLoader(yaml.SafeLoader):
    """Safe loader whose mappings and sequences record the line of each child."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    loader.lines[id(mapping)] = {k.value if hasattr(k, "value") else k: k.start_mark.line + 1
                                 for k, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class Source:
    """A parsed YAML document and the line of every mapping key and list entry in it."""

    path: str
    data: Any
    _lines: dict[int, dict]

    def line_of(self, loc: tuple) -> int:
        """Best line for a pydantic error location: the deepest key that exists."""
        node, line = self.data, 1
        for part in loc:
            if isinstance(node, dict) and part in node:
                line = self._lines.get(id(node), {}).get(part, line)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                child = node[part]
                if isinstance(child, dict) and self._lines.get(id(child)):
                    line = min(self._lines[id(child)].values())
                node = child
        return line

    def problems(self, exc: ValidationError, prefix: tuple = ()) -> list[Problem]:
        """Turn a pydantic error into file:line problems, one per error."""
        out = []
        errors = exc.errors()
        locs = [tuple(e["loc"]) for e in errors]
        for err in errors:
            if any(o[:len(err["loc"])] == tuple(err["loc"]) and o != tuple(err["loc"])
                   for o in locs):
                continue  # a container's complaint about a child that has its own error
            loc = prefix + tuple(err["loc"])
            where = ".".join(map(str, _path_parts(self.data, loc)))
            msg = err["msg"].removeprefix("Value error, ")
            out.append(Problem(self.path, self.line_of(loc), f"{where}: {msg}" if where else msg))
        return out


def _path_parts(data: Any, loc: tuple) -> list:
    """The parts of a pydantic location that are real keys or indexes of the document."""
    parts, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            parts.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            parts.append(part)
            node = node[part]
        elif i == len(loc) - 1 and isinstance(node, dict):
            parts.append(part)  # a missing required field: name it
    return parts


def load(path: Path | str, text: str | None = None) -> Source:
    """Parse one YAML file; a syntax error becomes a SourceError with its line."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError([Problem(path, 1, f"cannot read: {exc}")]) from None
    loader = _LineLoader(text)
    loader.lines = {}
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise SourceError([Problem(path, line, f"YAML: {exc.problem or exc}")]) from None
    finally:
        loader.dispose()
    return Source(path, data, loader.lines)
