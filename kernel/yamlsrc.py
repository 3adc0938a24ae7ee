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

    def __init__(self, text: str, limits: Limits):
        super().__init__(text)
        self.limits, self.depth, self.composed, self.aliases = limits, 0, 0, 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # PyYAML composes recursively and slowly: stop a deep or huge document early
        self.depth += 1
        self.composed += 1
        try:
            if self.depth > self.limits.depth:
                _bound(self.peek_event(), f"nested more than {self.limits.depth} deep")
            if self.composed > self.limits.nodes:
                _bound(self.peek_event(), f"more than {self.limits.nodes} values")
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > self.limits.aliases:
                    _bound(self.peek_event(), f"more than {self.limits.aliases} aliases")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


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

    def validated(self, model: Any) -> Any:
        """The document as ``model`` (a pydantic model class); a SourceError names file:line."""
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            raise SourceError(self.problems(exc)) from None

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


@dataclass(frozen=True)
class Limits:
    """Bounds checked before a document is expanded: an alias bomb or a deeply nested file
    is refused in milliseconds instead of stalling whoever loads it."""

    bytes: int = 1 << 20
    nodes: int = 100_000    # values, counted as if every alias were expanded
    depth: int = 64
    aliases: int = 100


RULES = Limits()                                         # catalogues, cases
# Rule files: the shipped ones hold under a thousand values; a file of 25,000 is refused in
# a fraction of a second, where 100,000 took two seconds of the rules thread.
RULE_FILES = Limits(nodes=25_000)
RECORDS = Limits(bytes=256 << 20, nodes=20_000_000, aliases=1000)  # bulk record files


def load(path: Path | str, text: str | None = None, limits: Limits = RULES) -> Source:
    """Parse one YAML file; a syntax error or a breached bound is a SourceError with its line."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError([Problem(path, 1, f"cannot read: {exc}")]) from None
    if len(text.encode("utf-8")) > limits.bytes:
        raise SourceError([Problem(path, 1, f"file is larger than {limits.bytes} bytes")])
    try:
        loader = _LineLoader(text, limits)
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        raise SourceError([Problem(path, 1, f"YAML: {exc}")]) from None
    loader.lines = {}
    try:
        node = loader.get_single_node()
        if node is None:
            return Source(path, None, {})
        _check_bounds(node, limits)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise SourceError([Problem(path, line, f"YAML: {exc.problem or exc}")]) from None
    finally:
        loader.dispose()
    return Source(path, data, loader.lines)


def _check_bounds(root: yaml.Node, limits: Limits) -> None:
    """Walk the composed document as construction would expand it; stop at the first bound
    or NUL character (the reader refuses a NUL byte, not the escapes that make one)."""
    nodes, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > limits.nodes:
            _bound(node, f"more than {limits.nodes} values once aliases are expanded")
        if depth > limits.depth:
            _bound(node, f"nested more than {limits.depth} deep once aliases are expanded")
        if isinstance(node, yaml.ScalarNode) and "\x00" in node.value:
            _bound(node, "a NUL character (from an escape such as \\0) is not allowed")
        if isinstance(node, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)


def _bound(at: Any, message: str) -> None:
    """Refuse at a node or event, naming its line."""
    raise yaml.MarkedYAMLError(problem=message, problem_mark=at.start_mark)
