"""Which rule files and rules differ between two policies' rulebooks."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from kernel.rulebook import Rulebook
from sandbox.compare import redefined


def _shown(path: str, dirs: list[Path]) -> str:
    """A rule file as the report names it: relative to its folder, with the folder's name."""
    for d in dirs:
        try:
            return f"{d.name}/{Path(path).resolve().relative_to(Path(d).resolve())}"
        except ValueError:
            continue
    return Path(path).name


def _files(book: Rulebook, dirs: list[Path]) -> dict[str, list[dict[str, str]]]:
    """Ruleset id -> its files (name, version, content digest), in rulebook order."""
    out: dict[str, list[dict[str, str]]] = {}
    for spec, path, _ in book.files:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        out.setdefault(spec.ruleset, []).append({
            "file": _shown(path, dirs), "version": spec.version, "sha256": digest,
            "department": spec.department})
    return out


def _rule(book: Rulebook, key: str) -> dict[str, str]:
    rule = next(r for r in book.rules + book.skipped if f"{r.ruleset}/{r.id}" == key)
    return {"rule": key, "title": rule.title, "reference": rule.reference}


def rule_diff(books: tuple[Rulebook, Rulebook], dirs: tuple[list[Path], list[Path]]
              ) -> dict[str, Any]:
    """Rule files added, removed or changed (by ruleset), and rules added, removed or
    redefined, with their titles; what the report's "Rule changes" section shows."""
    base, cand = (_files(b, d) for b, d in zip(books, dirs, strict=True))
    files = {"added": [], "removed": [], "changed": [], "unchanged": 0}
    for ruleset in sorted(base.keys() | cand.keys()):
        a, b = base.get(ruleset), cand.get(ruleset)
        if a is None:
            files["added"].append({"ruleset": ruleset, "candidate": b})
        elif b is None:
            files["removed"].append({"ruleset": ruleset, "baseline": a})
        elif [f["sha256"] for f in a] != [f["sha256"] for f in b]:
            files["changed"].append({"ruleset": ruleset, "baseline": a, "candidate": b})
        else:
            files["unchanged"] += 1
    keys = [{f"{r.ruleset}/{r.id}" for r in book.rules + book.skipped} for book in books]
    return {
        "files": files,
        "rules": {
            "added": [_rule(books[1], k) for k in sorted(keys[1] - keys[0])],
            "removed": [_rule(books[0], k) for k in sorted(keys[0] - keys[1])],
            "redefined": [_rule(books[1], k) for k in sorted(redefined(*books))],
        },
    }


def titles(books: tuple[Rulebook, Rulebook]) -> dict[str, str]:
    """``ruleset/rule`` -> title, the candidate's where both have the rule."""
    return {f"{r.ruleset}/{r.id}": r.title for book in books for r in book.rules + book.skipped}
