"""Run YAML decision cases, each on a fresh kernel with its own throw-away SQLite database."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kernel.cases import Case, CaseCatalogue, application, compare, load_cases
from kernel.models import Decision
from kernel.store import start_kernel
from kernel.yamlsrc import Problem, SourceError


def run_case(case: Case, root: Path, **kernel_kw: Any) -> Decision:
    """Evaluate one case; ``kernel_kw`` go to :func:`start_kernel` (e.g. ``rule_dirs``)."""
    spec, source = case.spec, case.source
    app = application(spec, Path(source.path).parent, root)
    extra = [("case_catalogue", CaseCatalogue(spec.catalogue))] if spec.catalogue else []
    with tempfile.TemporaryDirectory() as tmp:
        kernel = start_kernel(disabled=set(spec.disable), db_url=f"sqlite:///{tmp}/case.db",
                              extra_plugins=extra, **kernel_kw)
        try:
            for kind, data in spec.records.items():
                at = (*case.where, "records", kind)
                try:
                    taken = kernel.pm.hook.onetrip_load_records(kind=kind, data=data)
                except ValidationError as exc:
                    raise SourceError(source.problems(exc, at)) from None
                if taken is None:
                    raise SourceError([Problem(source.path, source.line_of(at), (
                        f"no loaded plugin takes records of kind {kind!r}"))])
            decision, _ = kernel.evaluate(app)
        finally:
            kernel.close()
    return decision


def failures(paths: list[Path], root: Path, **kernel_kw: Any) -> list[str]:
    """Every case of ``paths`` that fails: ``file:line: name`` and its differences."""
    out = []
    for path in paths:
        for case in load_cases(path):
            try:
                problems = compare(case.spec.expect, run_case(case, root, **kernel_kw))
            except SourceError as exc:
                problems = [f"  {p.message}" for p in exc.problems]
            except Exception as exc:  # a case that cannot run fails, naming why
                problems = [f"  {type(exc).__name__}: {exc}"]
            if problems:
                out.append("\n".join([str(case), *problems]))
    return out
