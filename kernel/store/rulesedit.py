"""Rule authors change their department's rulesets: check with the whole rulebook, write, reload."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import text as text_

from kernel.cases import case_files
from kernel.conditions import All, AnyOf, Not
from kernel.core import InputError
from kernel.rulebook import rule_paths
from kernel.store import rulesversions as versions
from kernel.store.cases import failures
from kernel.store.db import writing
from kernel.yamlsrc import RULE_FILES, Problem, SourceError, load

log = logging.getLogger("onetrip.rules")
MAX_BYTES = 256 * 1024
# Kernel.start arguments a case run gives itself (kernel.http.auth.RESERVED's, not imported)
RESERVED = frozenset(("db_url", "rule_dirs", "disabled", "entry_points", "extra_plugins",
                      "open_db"))
_RULESET_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,79}")  # the rule file's own ``ruleset`` slug
_CHANGE_LOCK = 0x6F6E6572  # PostgreSQL advisory lock id: one rules change at a time


class Forbidden(PermissionError):
    """A rule author touching another department's rules (403)."""

    field = None


def fingerprint(dirs: list[Path]) -> str:
    """Names, sizes and change times of every rule file: cheap enough to poll."""
    h = hashlib.sha256()
    for d in map(Path, dirs):
        for p in sorted(d.rglob("*.y*ml")) if d.is_dir() else [d]:
            try:
                st = p.stat()
            except OSError:
                continue  # removed meanwhile: the next poll sees the new state
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
    return h.hexdigest()


def _loaded_as_on_disk(kernel: Any) -> bool:
    """Whether the rules in force were loaded from the files as they are now."""
    book = kernel.rulebook
    loaded = {(r.file, r.hash) for r in (*book.rules, *book.skipped)}
    disk = {(str(p), hashlib.sha256(p.read_bytes()).hexdigest()[:12])
            for p in rule_paths(kernel.rule_dirs)}
    return loaded == disk


def _peek(text: str) -> dict[str, Any]:
    """The file's top-level keys; SourceError unless it parses within the bounds of every
    rule file. The full check comes later, with lines."""
    data = load("body", text, RULE_FILES).data
    return data if isinstance(data, dict) else {}


def _slug(value: Any) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(value)).strip("._") or "ruleset"


class RulesEditor:
    """Writes rulesets for one kernel and follows changes other processes make."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.lock = threading.Lock()  # one change at a time in this process
        # "" forces a reload at the first check: files changed since the kernel loaded them
        self.seen = fingerprint(kernel.rule_dirs) if _loaded_as_on_disk(kernel) else ""

    def put(self, ruleset: str, body: bytes, author: Any, reason: str | None = None,
            action: str = "put") -> dict[str, Any]:
        """Check ``body`` as ruleset ``ruleset`` with every other file and run its department's
        YAML cases on the result, then make it live as a new revision (never in place: the
        text replaced stays as the revision before, to fetch and roll back to).

        Changes are serialised across processes by the audit row's write transaction
        (SQLite's write lock, a PostgreSQL advisory lock): each is checked against the
        files the previous one left.
        """
        if not _RULESET_ID.fullmatch(ruleset):
            raise InputError("ruleset", "a ruleset id is <department>.<name>: lower-case "
                             "letters, digits, '_', '.', '-', at most 80 characters")
        text = self._text(body)
        with self.lock, writing(self.kernel.db) as s:
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text_("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHANGE_LOCK})
            self.refresh()  # another process's change first
            spec, target = self._checked(ruleset, text, author)
            rows = versions.record(s, spec, target, text, author, reason, action)
            _write_atomically(target, text)  # an error here rolls the audit rows back
        self.kernel.reload_rules()
        self.seen = fingerprint(self.kernel.rule_dirs)
        row = rows[-1]
        log.info("ruleset %s %s (%s) revision %s written by %s", row["ruleset"], row["version"],
                 row["file"], row["revision"], row["author"])
        return {k: v for k, v in row.items() if k != "text"}

    def rollback(self, ruleset: str, to: int, author: Any, reason: str | None) -> dict[str, Any]:
        """Make revision ``to`` of ``ruleset`` live again, as a new revision (checked and its
        cases run like any change)."""
        old = versions.revision(self.kernel.db, ruleset, to)
        why = f"rollback to revision {to}" + (f": {reason}" if reason else "")
        return self.put(ruleset, old.text.encode("utf-8"), author, why, action="rollback")

    def _checked(self, ruleset: str, text: str, author: Any) -> tuple[Any, Path]:
        try:
            info = _peek(text)
        except SourceError as exc:
            if not self._files(ruleset):  # a new file, no folder to check it in: say why here
                name = f"{_slug(ruleset)}.yaml"
                raise SourceError([replace(p, file=name) for p in exc.problems]) from None
            info = {}  # checked in place of the ruleset's file, with its name
        for spec, _path, _line in self._files(ruleset):
            self._allow(author, spec.department)
        if isinstance(info.get("department"), str):
            self._allow(author, info["department"])
        if author.role != "admin":
            _named_for_department(ruleset, info)
        target = self._target(ruleset, info)
        spec = self._check(target, text)
        if spec.ruleset != ruleset:
            raise InputError("ruleset", f"the file declares ruleset {spec.ruleset!r}, "
                             f"the address {ruleset!r}")
        self._allow(author, spec.department)
        if author.role != "admin":
            self._own_items_only(spec)
        return spec, target

    def _own_items_only(self, spec: Any) -> None:
        """A department's rules may decide only its own items; reaching others needs an admin.

        Each rule's condition is evaluated against every catalogue item's own facts, with
        every other fact unknown: a rule that could fire for another department's item is
        refused, naming one such item.
        """
        if spec.department == "common":
            raise Forbidden("rulesets of department common apply to every item: admin only")
        for rule in spec.rules:
            for item in self.kernel.items.items.values():
                if item.department != spec.department and _may_fire(rule.when, item):
                    raise Forbidden(
                        f"rule {rule.id} could decide item {item.code} of {item.department}; "
                        f"restrict it with item.department or item.code, or ask an admin")

    def refresh(self) -> bool:
        """Reload when another process changed a rule file; on error the rules stay."""
        seen = fingerprint(self.kernel.rule_dirs)
        if seen == self.seen:
            return False
        self.seen = seen
        try:
            self.kernel.reload_rules()
        except SourceError as exc:
            log.error("rule files changed but do not load; the rules in force stay:\n%s", exc)
            return False
        log.info("rule files changed: rules reloaded")
        return True

    # -- steps ----------------------------------------------------------------------------

    @staticmethod
    def _text(body: bytes) -> str:
        if len(body) > MAX_BYTES:
            raise InputError("body", f"a ruleset file is at most {MAX_BYTES} bytes")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("body", f"a ruleset file is UTF-8 text: {exc}") from None

    def _files(self, ruleset: str) -> list:
        return [f for f in self.kernel.rulebook.files if f[0].ruleset == ruleset]

    @staticmethod
    def _allow(author: Any, department: str) -> None:
        if not author.may("rules", department):
            raise Forbidden(f"role {author.role} of {author.department or 'no department'} "
                            f"may not change rules of {department}")

    def _target(self, ruleset: str, info: dict[str, Any]) -> Path:
        """The file replaced (same ruleset and version) or added, in its department's folder.

        A new file is named by the full ruleset id, and never replaces another ruleset's.
        """
        version = info.get("version")  # unreadable: check in place of the ruleset's file
        same = [Path(p) for spec, p, _ in self._files(ruleset)
                if version is None or str(version) == spec.version]
        if same:
            return same[0]
        dept = info.get("department")
        name = _slug(ruleset) + (f"@{_slug(version)}" if self._files(ruleset) else "")
        target = self._folder(dept if isinstance(dept, str) else "") / f"{name}.yaml"
        taken = {Path(p) for _, p, _ in self.kernel.rulebook.files}
        if target in taken or target.exists():
            raise InputError("ruleset", f"file {target.name} holds another ruleset")
        return target

    def _folder(self, department: str) -> Path:
        dirs = [Path(d) for d in self.kernel.rule_dirs if Path(d).is_dir()]
        named = [d for d in dirs if d.name == department]
        holding = [Path(p).parent for spec, p, _ in self.kernel.rulebook.files
                   if spec.department == department and Path(p).parent in dirs]
        found = named or holding
        if not found:
            raise InputError("department", f"no rules folder for department {department!r}")
        return found[0]

    def _check(self, target: Path, text: str) -> Any:
        """Load the whole rulebook from a copy with ``target`` written; raise SourceError."""
        with tempfile.TemporaryDirectory(prefix="onetrip-rules-") as tmp:
            dirs, names = [], {}
            for i, d in enumerate(map(Path, self.kernel.rule_dirs)):
                copy = Path(tmp) / str(i) / d.name
                (shutil.copytree if d.is_dir() else _copy_file)(d, copy)
                dirs.append(copy)
                names[str(copy)] = d.name
            rel = next((i, target.relative_to(d)) for i, d in enumerate(
                map(Path, self.kernel.rule_dirs)) if target.is_relative_to(d))
            candidate = dirs[rel[0]] / rel[1] if rel[1].parts else dirs[rel[0]]
            candidate.write_text(text, encoding="utf-8")
            try:
                book = self.kernel.load_rules(dirs)
            except SourceError as exc:
                raise SourceError([_rename(p, names) for p in exc.problems]) from None
            try:
                spec = next(spec for spec, p, _ in book.files if Path(p) == candidate)
            finally:
                book.close()
            self._run_cases(Path(self.kernel.rule_dirs[rel[0]]), dirs)
            return spec

    def _run_cases(self, folder: Path, dirs: list[Path]) -> None:
        """The YAML cases of the changed file's rule folder (``<folder>/cases``), on the rules
        as they would be; a failing case refuses the change, naming it."""
        if not folder.is_dir():
            return
        failed = failures(case_files(folder), Path.cwd(), rule_dirs=dirs,
                          **{k: v for k, v in self.kernel.settings.items() if k not in RESERVED})
        if failed:
            raise SourceError([Problem(*_case_place(f, folder), "case fails with this change:"
                                       + f.split(":", 2)[2]) for f in failed])



def _named_for_department(ruleset: str, info: dict[str, Any]) -> None:
    """A ruleset id is ``<department>.<name>``, its department the one the file declares."""
    department = info.get("department")
    prefix = ruleset.split(".", 1)[0] if "." in ruleset else None
    if prefix is None or (isinstance(department, str) and prefix != department):
        raise InputError("ruleset", f"a ruleset id is <department>.<name>, here "
                         f"{department or '<department>'}.<name>; got {ruleset!r}")


_TESTS = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
          "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
          "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b}


def _may_fire(cond: Any, item: Any) -> bool:
    """False only when ``cond`` is surely false for ``item`` whatever the case's other facts."""
    return _three(cond, {"item.code": item.code, "item.department": item.department,
                         "item.kind": item.kind}) is not False


def _three(cond: Any, known: dict[str, Any]) -> bool | None:
    """Kleene's three-valued logic over a source condition: None is 'depends on the case'."""
    if cond is None:
        return True
    if isinstance(cond, Not):
        inner = _three(cond.not_, known)
        return None if inner is None else not inner
    if isinstance(cond, (All, AnyOf)):
        parts = [_three(c, known) for c in (cond.all if isinstance(cond, All) else cond.any)]
        stop = isinstance(cond, AnyOf)  # any: one True decides; all: one False decides
        if stop in parts:
            return stop
        return None if None in parts else not stop
    if cond.fact not in known:
        return None
    if cond.op == "exists":
        return cond.value
    return _TESTS[cond.op](known[cond.fact], cond.value)


def _case_place(failure: str, folder: Path) -> tuple[str, int]:
    """``file:line`` of a failed case, the file named within its rule folder."""
    path, line = failure.split(":", 2)[:2]
    try:
        path = f"{folder.name}/{Path(path).relative_to(folder)}"
    except ValueError:
        pass
    return path, int(line)


def _copy_file(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def _rename(problem: Problem, names: dict[str, str]) -> Problem:
    """A problem in the temporary copy, named as ``folder/file`` of the real rules."""
    for copy, name in names.items():
        if problem.file.startswith(copy):
            return Problem(name + problem.file[len(copy):], problem.line, problem.message)
    return problem


def _write_atomically(target: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of it (same-folder rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
