"""Ruleset files: their model, loading with file:line errors, and compilation to a matcher.

A rulebook is built whole or not at all: every file is parsed and checked first, and a
single problem anywhere raises :class:`SourceError` listing them all, so a caller that
keeps its old rulebook keeps the rules in force. A ruleset the engine refuses when it is
built (a condition past its size limit) is a SourceError too, naming the rules it refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kernel.actions import ActionRegistry
from kernel.conditions import Condition, attr, check, compile_condition, facts_of
from kernel.engine import Matcher, MatchError
from kernel.facts import FactRegistry
from kernel.yamlsrc import RULE_FILES, Problem, Source, SourceError, load

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
SUBMITTED_ON = "application.submitted_on"  # integer yyyymmdd: dates compare as numbers
CASE_DIR = "cases"  # a rule folder's YAML cases (kernel.cases)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Effective(_Spec):
    from_: date = Field(alias="from")
    until: date | None = Field(None, description="last day in force (inclusive)")


class RuleSpec(_Spec):
    id: Slug
    title: str = Field(min_length=1)
    reference: str | None = Field(None, description="legal basis; defaults to the ruleset's")
    priority: int = Field(100, ge=0, le=1000, description="lower fires first; ties: file order")
    requires: tuple[Slug, ...] = Field((), description="plugins whose facts this rule needs")
    when: Condition | None = None
    then: Annotated[list[dict[str, Any]], Field(min_length=1)]


class RuleFile(_Spec):
    """One YAML ruleset file (see README, "Rule format")."""

    ruleset: Slug
    version: str = Field(min_length=1, max_length=40)
    department: Slug
    title: str | None = None
    reference: str | None = None
    effective: Effective
    requires: tuple[Slug, ...] = ()
    rules: Annotated[list[RuleSpec], Field(min_length=1)]


@dataclass(frozen=True, eq=False)  # identity hash: rules key per-rule caches
class Rule:
    """A checked rule, ready to match and to cite in a trace."""

    name: str
    ruleset: str
    version: str
    hash: str
    id: str
    title: str
    reference: str
    priority: int
    order: int
    effective: Effective
    expr: dict
    actions: tuple[tuple[str, BaseModel], ...]
    facts: frozenset[str]
    requires: frozenset[str]
    file: str
    line: int

    def in_force(self, day: date) -> bool:
        return self.effective.from_ <= day and (self.effective.until is None
                                                or day <= self.effective.until)


Parsed = tuple[RuleFile | None, list[Rule], list[Rule], list[Problem]]


def _parse(source: Source, facts: FactRegistry, actions: ActionRegistry, loaded: set[str],
           digest: str, start: int) -> Parsed:
    try:
        spec = RuleFile.model_validate(source.data)
    except ValidationError as exc:
        return None, [], [], source.problems(exc)
    problems: list[Problem] = []
    ids = set()
    rules, skipped = [], []
    for i, r in enumerate(spec.rules):
        where = ("rules", i)
        if r.id in ids:
            problems.append(Problem(source.path, source.line_of((*where, "id")),
                                    f"duplicate rule id {r.id!r}"))
        ids.add(r.id)
        reference = r.reference or spec.reference
        if not reference:
            problems.append(Problem(source.path, source.line_of(where), (
                f"rule {r.id}: no reference (legal basis) here or on the ruleset")))
        requires = frozenset(spec.requires) | frozenset(r.requires)
        runnable = requires <= loaded
        acts = []
        for j, item in enumerate(r.then):
            loc = (*where, "then", j)
            if len(item) != 1:
                problems.append(Problem(source.path, source.line_of(loc),
                                        "an action is a mapping with exactly one action name"))
                continue
            ((name, params),) = item.items()
            if name not in actions.actions:
                if not runnable:  # an action of a required plugin that is not loaded
                    continue
                problems.append(Problem(source.path, source.line_of(loc),
                                        f"unknown action {name!r}"))
                continue
            try:
                acts.append((name, actions.params(name).model_validate(params or {})))
            except ValidationError as exc:
                problems += source.problems(exc, (*loc, name))
        if r.when is not None and runnable:
            problems += [Problem(source.path, source.line_of((*where, "when")), f"rule {r.id}: {m}")
                         for m in check(r.when, facts)]
        rule = Rule(
            name=f"r{start + i}", ruleset=spec.ruleset, version=spec.version, hash=digest,
            id=r.id, title=r.title, reference=reference or "", priority=r.priority,
            order=start + i, effective=spec.effective,
            expr=compile_condition(r.when) if r.when is not None else {"_case": 1},
            actions=tuple(acts), facts=frozenset(facts_of(r.when)) if r.when else frozenset(),
            requires=requires, file=source.path, line=source.line_of(where),
        )
        (rules if runnable else skipped).append(rule)
    return spec, rules, skipped, problems


def _window(rule: Rule, date_fact: str) -> list[dict]:
    key = attr(date_fact)
    out = [{"$gte": {key: _ymd(rule.effective.from_)}}]
    if rule.effective.until:
        out.append({"$lte": {key: _ymd(rule.effective.until)}})
    return out


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _overlap(a: RuleFile, b: RuleFile) -> bool:
    far = date.max
    return a.effective.from_ <= (b.effective.until or far) and b.effective.from_ <= (
        a.effective.until or far)


def _refused(exc: MatchError, rules: list[Rule], files: list[tuple[RuleFile, str, int]]
             ) -> list[Problem]:
    """The engine's refusal of a rulebook as file:line problems, one per rule it refused."""
    out = []
    for r in rules:
        why = exc.refused.get(r.name)
        if why is None:
            continue
        if "error 113" in why:
            why = (f"condition too large for the engine: {why}; split the rule (every all/any"
                   " of several conditions, every in/not_in of several values and every"
                   " comparison under a not is a group; the kernel adds 2)")
        out.append(Problem(r.file, r.line, f"rule {r.id}: {why}"))
    return out or [Problem(path, line, f"the engine refused these rules together: {exc}")
                   for _, path, line in files]


def rule_paths(dirs: list[Path]) -> list[Path]:
    """The rule files below ``dirs`` (folders or files); a ``cases`` folder holds the rules'
    YAML cases (``kernel.cases``), not rules."""
    return [p for d in map(Path, dirs)
            for p in (sorted(q for q in d.rglob("*.y*ml")
                             if CASE_DIR not in q.relative_to(d).parts[:-1])
                      if d.is_dir() else [d])]


@dataclass(frozen=True)
class OwnRulebook:
    """Rules a plugin keeps beside the kernel's, about something other than applications
    (e.g. OA documents), with their own facts, actions and date fact."""

    name: str
    dirs: tuple[Path, ...]
    facts: FactRegistry
    actions: ActionRegistry
    date_fact: str

    def load(self, loaded: set[str]) -> Rulebook:
        """The rulebook of these folders; raises SourceError with file:line."""
        return Rulebook.load(list(self.dirs), self.facts, self.actions, loaded, self.date_fact)


class Rulebook:
    """All rulesets found in some folders, compiled into one matcher."""

    def __init__(self, files: list[tuple[RuleFile, str, int]], rules: list[Rule],
                 skipped: list[Rule], date_fact: str = SUBMITTED_ON):
        self.files = files
        self.rules = rules
        self.skipped = skipped
        self.by_name = {r.name: r for r in rules}
        try:
            self.matcher = Matcher({
                r.name: (self.matcher_expr(r, date_fact), r.priority) for r in rules
            }) if rules else None
        except MatchError as exc:
            raise SourceError(_refused(exc, rules, files)) from None

    @staticmethod
    def matcher_expr(rule: Rule, date_fact: str = SUBMITTED_ON) -> dict:
        """The full expression a rule is matched by: its effective dates, then its ``when``."""
        return {"$and": [*_window(rule, date_fact), rule.expr]}

    @classmethod
    def load(cls, dirs: list[Path], facts: FactRegistry, actions: ActionRegistry,
             loaded: set[str], date_fact: str = SUBMITTED_ON) -> Rulebook:
        """Read every ``*.yaml`` below ``dirs`` (folders or files); raise SourceError.

        ``date_fact`` (integer yyyymmdd) picks the rulesets in force; plugins that match
        something other than applications (e.g. documents) name their own.
        """
        paths = rule_paths(dirs)
        files, rules, skipped, problems = [], [], [], []
        for path in paths:
            try:
                source = load(path, limits=RULE_FILES)
            except SourceError as exc:
                problems += exc.problems
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            spec, r, s, p = _parse(source, facts, actions, loaded, digest,
                                   len(rules) + len(skipped))
            problems += p
            rules += r
            skipped += s
            if spec:
                files.append((spec, source.path, source.line_of(("version",))))
        problems += cls._conflicts(files)
        if problems:
            raise SourceError(problems)
        return cls(files, rules, skipped, date_fact)

    @staticmethod
    def _conflicts(files: list[tuple[RuleFile, str, int]]) -> list[Problem]:
        problems = []
        for i, (a, path_a, line_a) in enumerate(files):
            for b, path_b, _ in files[:i]:
                if a.ruleset == b.ruleset and (a.version == b.version or _overlap(a, b)):
                    problems.append(Problem(path_a, line_a, (
                        f"ruleset {a.ruleset} {a.version} is in force on the same days as "
                        f"version {b.version} in {path_b}")))
        return problems

    def match(self, doc: dict) -> list[Rule]:
        """Rules that fire for one item's facts, each once: priority, then file order."""
        if self.matcher is None:
            return []
        # the engine reports a rule once per alternative of an `any` that holds
        hits = [self.by_name[n] for n in dict.fromkeys(self.matcher.match(doc))
                if n in self.by_name]
        return sorted(hits, key=lambda r: (r.priority, r.order))

    def in_force(self, day: date) -> list[tuple[RuleFile, str, int]]:
        return [f for f in self.files if f[0].effective.from_ <= day and (
            f[0].effective.until is None or day <= f[0].effective.until)]

    def close(self) -> None:
        if self.matcher is not None:
            self.matcher.close()
            self.matcher = None
