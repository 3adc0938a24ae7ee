"""Lint rule files against the catalogue and each other: codes, main materials, rules that
never fire or contradict one another (across departments), limits nobody decides.

Errors stop ``onetrip lint`` (exit 1); warnings are printed. Each finding names file:line,
and a finding about two rules names both.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kernel.conditions import All, AnyOf, Leaf, Not, facts_of
from kernel.rulebook import RuleFile, RuleSpec, rule_paths
from kernel.satisfy import Conj, Domain, alternatives, possible
from kernel.yamlsrc import Problem, Source, SourceError, load

SUBMITTED_ON = "application.submitted_on"
CHOICES = {"application.channel": frozenset({"window", "online", "bank"}),
           "applicant.kind": frozenset({"person", "organisation"})}


@dataclass(frozen=True)
class Finding(Problem):
    severity: str = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.file}:{self.line}: {tag}{self.message}"


@dataclass
class Located:
    """One rule with its file, its place and the cases it can fire in, item by item."""

    spec: RuleSpec
    file: RuleFile
    source: Source
    index: int
    requires: frozenset[str]
    by_item: dict[str, list[Conj]]  # item code -> conjunctions possible for it
    domains: dict[str, Domain]

    def line(self, *loc: Any) -> int:
        return self.source.line_of(("rules", self.index, *loc))

    @property
    def where(self) -> str:
        return f"{self.source.path}:{self.line()}"


def lint(kernel: Any, dirs: list[Path] | None = None) -> list[Finding]:
    """Every finding for the rule files in ``dirs`` (default: the kernel's), the catalogue
    and the plugins' own rulebooks, sorted by file and line. Items whose committed limit no
    rule decides are looked for only over the whole rulebook: some folders alone cannot say."""
    whole = not dirs
    dirs = [Path(d) for d in dirs or kernel.rule_dirs]
    out = _loads(lambda: kernel.load_rules(dirs))
    out += [Finding(p.file, p.line, p.message) for p in _catalogue(kernel)]
    rules = list(_located(kernel, dirs))
    for rule in rules:
        out += _codes(kernel, rule) + _materials(kernel, rule) + _never(rule)
    out += _requires(kernel, rules) + _contradictions(rules)
    out += _undecided(kernel, rules) if whole else []
    for own in kernel.own_rulebooks():
        out += _loads(lambda own=own: own.load(kernel.plugins))
    return sorted(set(out), key=lambda f: (f.file, f.line, f.message))


def _loads(build: Any) -> list[Finding]:
    try:
        build().close()
    except SourceError as exc:
        return [Finding(p.file, p.line, p.message) for p in exc.problems]
    return []


def _catalogue(kernel: Any) -> list[Problem]:
    try:
        kernel.items.lint()
    except SourceError as exc:
        return exc.problems
    return []


def _located(kernel: Any, dirs: list[Path]) -> Iterator[Located]:
    """The rules of every file that parses (load problems are reported by the rulebook)."""
    domains = {code: item_domain(kernel, item) for code, item in kernel.items.items.items()}
    for path in rule_paths(dirs):
        try:
            source = load(path)
            spec = RuleFile.model_validate(source.data)
        except (SourceError, ValidationError):
            continue
        for i, rule in enumerate(spec.rules):
            requires = frozenset(spec.requires) | frozenset(rule.requires)
            if not requires <= kernel.plugins or not facts_of_rule(rule) <= set(
                    kernel.facts.specs):
                continue  # skipped at load, or already a load error
            alts = alternatives(rule.when)
            window = _window(spec)
            by_item = {}
            for code, domain in domains.items():
                if alts is None:
                    by_item[code] = [window]
                    continue
                found = [c + window for c in alts if possible(c + window, domain)]
                if found:
                    by_item[code] = found
            yield Located(rule, spec, source, i, requires, by_item, domains)


def facts_of_rule(rule: RuleSpec) -> set[str]:
    return facts_of(rule.when) if rule.when is not None else set()


def _window(spec: RuleFile) -> Conj:
    def ymd(d: date) -> int:
        return d.year * 10000 + d.month * 100 + d.day

    until = spec.effective.until
    return ((SUBMITTED_ON, "ge", ymd(spec.effective.from_)),) + (
        ((SUBMITTED_ON, "le", ymd(until)),) if until else ())


def item_domain(kernel: Any, item: Any) -> Domain:
    """What one catalogue item fixes: its own facts, and how many materials can be missing."""
    ms = item.materials
    ranges = {"materials.missing": len(ms),
              "materials.missing_main": sum(m.role == "main" for m in ms),
              "materials.missing_secondary": sum(m.role == "secondary" for m in ms),
              "materials.missing_untolerable": sum(not m.tolerable for m in ms),
              "materials.missing_tolerable": sum(m.tolerable for m in ms),
              "materials.missing_replaceable": sum(m.commitment_replaceable for m in ms)}
    specs = kernel.facts.specs
    return Domain(
        known={"item.code": item.code, "item.department": item.department,
               "item.kind": item.kind, "item.merged": bool(item.merges),
               "item.joint_handling": item.joint_handling},
        ranges={**{k: (0, n) for k, n in ranges.items()},
                "application.item_count": (1, 50)},
        types={name: s.type for name, s in specs.items()},
        present=frozenset(n for n, s in specs.items() if s.owner == "kernel"),
        choices=CHOICES)


# -- one rule at a time ------------------------------------------------------------------------


def _leaves(cond: Any, loc: tuple) -> Iterator[tuple[Leaf, tuple]]:
    if isinstance(cond, Leaf):
        yield cond, (*loc, "in" if cond.op == "in" else cond.op)
    elif isinstance(cond, Not):
        yield from _leaves(cond.not_, (*loc, "not"))
    elif isinstance(cond, (All, AnyOf)):
        key = "all" if isinstance(cond, All) else "any"
        for i, child in enumerate(getattr(cond, key)):
            yield from _leaves(child, (*loc, key, i))


def _near(word: str, known: Any) -> str:
    found = difflib.get_close_matches(str(word), sorted(map(str, known)), n=1, cutoff=0.6)
    return f"; did you mean {found[0]}?" if found else ""


def _codes(kernel: Any, rule: Located) -> list[Finding]:
    """Item codes and departments a condition names must exist in the catalogue."""
    items = kernel.items.items
    known = {"item.code": set(items), "item.department": {i.department for i in items.values()}}
    out = []
    for leaf, loc in _leaves(rule.spec.when, ("when",)):
        if leaf.fact not in known or leaf.op == "exists":
            continue
        values = leaf.value if leaf.op in ("in", "not_in") else (leaf.value,)
        for value in values:
            if value not in known[leaf.fact]:
                what = "item" if leaf.fact == "item.code" else "department"
                out.append(Finding(str(rule.source.path), rule.line(*loc), (
                    f"rule {rule.spec.id}: {leaf.fact}: no {what} {value!r} in the catalogue"
                    + _near(value, known[leaf.fact]))))
    return out


def _listed(params: Any) -> tuple[str, ...]:
    materials = getattr(params, "materials", None)
    return materials if isinstance(materials, tuple) else ()


def _materials(kernel: Any, rule: Located) -> list[Finding]:
    """Materials an action lists: known, of the items the rule decides, never a main one."""
    items = kernel.items.items
    every = {m.code for i in items.values() for m in i.materials}
    out = []
    for j, action in enumerate(rule.spec.then):
        ((name, params),) = action.items() if len(action) == 1 else ((None, None),)
        if name not in ("tolerate_missing", "waive") or not isinstance(params, dict):
            continue
        listed = params.get("materials")
        if not isinstance(listed, list):
            continue
        line = rule.line("then", j)
        verb = "tolerated" if name == "tolerate_missing" else "waived"
        for code in listed:
            decided = [items[c] for c in rule.by_item]
            mains = [i.code for i in decided for m in i.materials
                     if m.code == code and m.role == "main"]
            if code not in every:
                msg, severity = f"no material {code!r} in the catalogue" + _near(code, every), \
                    "error"
            elif mains:
                msg, severity = (f"{code} is a main material (主件) of {', '.join(mains)}: a "
                                 f"main material is never {verb}"), "error"
            elif decided and not any(m.code == code for i in decided for m in i.materials):
                msg, severity = (f"{code} is not a material of the items this rule can decide"
                                 f" ({', '.join(sorted(rule.by_item))})"), "warning"
            else:
                continue
            out.append(Finding(str(rule.source.path), line, f"rule {rule.spec.id}: {name}: "
                               f"{msg}", severity))
    return out


def _never(rule: Located) -> list[Finding]:
    if rule.by_item:
        return []
    return [Finding(str(rule.source.path), rule.line(), (
        f"rule {rule.spec.id} can never fire: no catalogue item meets its condition in "
        f"the ruleset's effective dates"), "warning")]


def _requires(kernel: Any, rules: list[Located]) -> list[Finding]:
    """A rule on another plugin's facts says ``requires:``; else switching that plugin off
    stops the whole rulebook loading (its facts are then unknown)."""
    owned = {Path(d).resolve(): name for name, ds in kernel.rule_dirs_by_plugin() for d in ds}
    out = []
    for rule in rules:
        path = Path(rule.source.path).resolve()
        home = next((name for d, name in owned.items() if path.is_relative_to(d)), None)
        for fact in sorted(facts_of_rule(rule.spec)):
            owner = kernel.facts.specs[fact].owner
            if owner not in ("kernel", home) and owner not in rule.requires:
                out.append(Finding(str(rule.source.path), rule.line("when"), (
                    f"rule {rule.spec.id}: fact {fact} is provided by plugin {owner}: add "
                    f"requires: [{owner}], or with {owner} switched off no rule file loads"),
                    "warning"))
    return out


# -- rules together ----------------------------------------------------------------------------


def _limit_text(spec: Any) -> str:
    if not isinstance(spec, dict) or len(spec) != 1:
        return str(spec)
    ((unit, amount),) = spec.items()
    return "on the spot" if unit == "on_the_spot" else f"{amount} {unit.replace('_', ' ')}"


def effects(rule: RuleSpec) -> dict[str, Any]:
    """What a rule's actions say that another rule's may contradict."""
    out: dict[str, Any] = {}
    for action in rule.then:
        if len(action) != 1:
            continue
        ((name, params),) = action.items()
        if name == "set_time_limit" and isinstance(params, dict):
            out.update({k: _limit_text(params[k]) for k in ("legal", "committed")
                        if params.get(k)})
        elif name in ("tolerate_missing", "require_correction"):
            out[name] = True
    return out


def _clash(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    for kind in ("committed", "legal"):
        if kind in a and kind in b and a[kind] != b[kind]:
            return (f"two {kind} limits ({a[kind]} and {b[kind]}); the rule that fires last "
                    "wins unseen")
    if ("tolerate_missing" in a and "require_correction" in b) or (
            "require_correction" in a and "tolerate_missing" in b):
        return "one tolerates missing materials (容缺) that the other requires (correction wins)"
    return None


def _contradictions(rules: list[Located]) -> list[Finding]:
    """Pairs of rules, in any departments, that can fire for one item in one case and say
    contradicting things; the finding stands at the second and names both."""
    said = [effects(r.spec) for r in rules]
    out = []
    for j, b in enumerate(rules):
        for i, a in enumerate(rules[:j]):
            what = _clash(said[i], said[j])
            if what is None:
                continue
            code = next((c for c in sorted(a.by_item.keys() & b.by_item.keys())
                         if _together(a.by_item[c], b.by_item[c], a, c)), None)
            if code is not None:
                out.append(Finding(str(b.source.path), b.line(), (
                    f"rule {b.spec.id} ({b.where}) and rule {a.spec.id} ({a.where}) can fire "
                    f"together for item {code}: {what}")))
    return out


def _together(xs: list[Conj], ys: list[Conj], rule: Located, code: str) -> bool:
    domain = rule.domains[code]
    return any(possible(x + y, domain) for x in xs for y in ys)


def _undecided(kernel: Any, rules: list[Located]) -> list[Finding]:
    """An item's committed limit (承诺时限) is decided by a rule that can set it, or by a
    catalogue committed limit shorter than the legal one; else the hall promises nothing
    beyond the law."""
    setting = {c for r in rules if "committed" in effects(r.spec) for c in r.by_item}
    out = []
    for code, item in kernel.items.items.items():
        if code in setting or item.committed_limit != item.legal_limit or (
                item.legal_limit.unit == "on_the_spot"):
            continue
        file, line = kernel.items.sources.get(code, (f"<plugin {kernel.items.owners[code]}>", 0))
        out.append(Finding(file, line, (
            f"item {code}: no rule decides its committed limit and the catalogue's equals the "
            f"legal one ({_limit_text({item.legal_limit.unit: item.legal_limit.amount})}): "
            "give a shorter committed_limit or a set_time_limit rule"), "warning"))
    return out
