"""Policies to compare: a rules folder, a git revision of ``rules/``, or the rules in force."""

from __future__ import annotations

import hashlib
import re
import subprocess
import tarfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kernel import Rulebook
from kernel.rulebook import CASE_DIR, rule_paths

IN_FORCE = ("as-in-force", "in-force", "current")


class PolicyError(ValueError):
    """A policy argument that is neither a folder, a git revision nor 'as-in-force'."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass
class Policy:
    """A resolved policy: a label for reports and its rules folder (None: the kernel's)."""

    spec: str
    label: str
    root: Path | None
    notes: list[str] = field(default_factory=list)  # what the report says about the folder

    def rule_dirs(self, kernel_dirs: list[Path]) -> list[Path] | None:
        """Folders to load instead of the kernel's (None: the kernel's own).

        - A tree shaped like ``rules/``: each of its folders stands in for the kernel's
          folder of the same name; the kernel's other folders stay as they are in force.
        - A folder of one department's rule files (the department of one of the kernel's
          folders): it stands in for that folder only.
        - Anything else is the whole policy.

        A folder of the tree the replay does not read is named in :attr:`notes`.
        """
        if self.root is None:
            return None
        self.notes = []
        by_name = {Path(d).name: Path(d) for d in kernel_dirs}
        subdirs = sorted(p.name for p in self.root.iterdir()
                         if p.is_dir() and p.name != CASE_DIR and rule_paths([p]))
        files = [f for f in rule_paths([self.root]) if f.parent == self.root]
        if not files and set(subdirs) & by_name.keys():
            self.notes += [f"{name}/ is not read: it is not a folder of case rules of the "
                           "loaded plugins" for name in subdirs if name not in by_name]
            return [self.root / name if name in subdirs else d for name, d in by_name.items()]
        if files and not subdirs:
            mine = _departments(files)
            for name, d in by_name.items():
                if mine and mine == _departments(rule_paths([d])):
                    self.notes.append(f"stands in for the {name} rules; the others are "
                                      "those in force")
                    return [self.root if other == d else other for other in by_name.values()]
        self.notes.append("the whole policy: no rules in force are added to it")
        return [self.root]


def _departments(files: list[Path]) -> frozenset[str]:
    """The departments rule files declare (a file that does not parse declares none)."""
    import yaml

    out = set()
    for f in files:
        try:
            data = yaml.safe_load(f.read_text("utf-8"))
        except (OSError, ValueError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("department"), str):
            out.add(data["department"])
    return frozenset(out)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)


def _git_rules(rev: str, repo: Path, into: Path) -> Path:
    """Extract ``rules/`` as it was at ``rev`` into ``into``; raises PolicyError."""
    found = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], repo)
    if found.returncode:
        raise PolicyError("", f"{rev!r} is not a folder, a git revision, nor 'as-in-force'")
    commit = found.stdout.decode().strip()
    top = _git(["rev-parse", "--show-toplevel"], repo).stdout.decode().strip()
    target = into / commit[:12]
    with subprocess.Popen(["git", "archive", "--format=tar", commit, "rules"], cwd=top,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as archive:
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(target, filter="data")
        problem = archive.stderr.read().decode().strip()
    if archive.returncode:
        raise PolicyError("", f"git archive {rev} rules: {problem}")
    return target / "rules"


# what a git revision may look like when it comes from a caller: names, hashes, ~ and ^
_REVISION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@{}~^-]{0,199}")


def resolve(spec: str, tmp: Path, repo: Path | None = None, field: str = "",
            roots: tuple[Path, ...] | None = None) -> Policy:
    """Turn a policy into rule folders; ``tmp`` receives git extractions.

    With ``roots`` (the server's), a folder must lie under one of them, and anything else
    must look like a git revision: other paths are refused without being read.
    """
    if spec.strip().lower() in IN_FORCE:
        return Policy(spec, "rules in force on each case's date", None)
    if roots is not None:
        return _confined(spec, tmp, repo, field, roots)
    path = Path(spec)
    if path.is_dir():
        return Policy(spec, f"rules folder {spec}", path)
    return _revision(spec, tmp, repo, field)


def confine(spec: str, roots: tuple[Path, ...], field: str = "") -> Path | None:
    """The folder under ``roots`` that ``spec`` names, None for a git revision or the rules
    in force; anything else raises PolicyError before any file is read."""
    if spec.strip().lower() in IN_FORCE:
        return None
    if ".." in spec or spec.startswith("/") or not _REVISION.fullmatch(spec):
        raise PolicyError(field, "a policy is 'as-in-force', a rules folder under the "
                          "configured rules roots, or a git revision")
    for root in roots:
        path = (root / spec).resolve()
        if path.is_relative_to(root.resolve()) and path.is_dir():
            return path
    return None


def _confined(spec: str, tmp: Path, repo: Path | None, field: str,
              roots: tuple[Path, ...]) -> Policy:
    path = confine(spec, roots, field)
    if path is not None:
        return Policy(spec, f"rules folder {spec}", path)
    return _revision(spec, tmp, repo, field)


def _revision(spec: str, tmp: Path, repo: Path | None, field: str) -> Policy:
    try:
        rules = _git_rules(spec, repo or Path.cwd(), tmp)
    except PolicyError as exc:
        raise PolicyError(field, str(exc)) from None
    return Policy(spec, f"rules/ at git revision {spec}", rules)


def _file_key(spec, path: str) -> tuple:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return spec.ruleset, spec.version, digest


def versions(book: Rulebook, day: date, cache: dict[date, tuple]) -> tuple:
    """The ruleset files in force on ``day``, in rulebook order, by content.

    Two rulebooks built by one kernel with equal keys on a day decide every case of that day
    alike (same rules, same order, same plugins), so the second evaluation can be skipped.
    """
    key = cache.get(day)
    if key is None:
        key = cache[day] = tuple(_file_key(spec, path) for spec, path, _ in book.in_force(day))
    return key
