"""A/B replay: partitions of a history through two policies on every core, or a Dask cluster.

Two passes over the partitions: the first counts their lines and collects the applicants'
credit (loaded once, before any case is decided), the second decides every case under
both policies. Results come back in partition order and are merged in input order, so
the output is the same for any number of workers, on this machine or a cluster.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sandbox.compare import ChunkResult, Comparer, run_rows
from sandbox.credit import distinct, load_subjects
from sandbox.history import BadRow, csv_lines
from sandbox.partition import (
    DEFAULT_BYTES,
    Partition,
    Scan,
    plan,
    rows,
    scan,
    write_numbered,
)
from sandbox.policy import Policy, PolicyError, resolve

Progress = Callable[[int, int], None]  # (rows done, bytes done)
_COMPARER: Comparer | None = None  # set in the parent before the workers fork


@dataclass
class ReplayOptions:
    cases: Path
    baseline: str = "as-in-force"
    candidate: str = "as-in-force"
    out: Path = Path("replay")
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    on_error: Literal["skip", "fail"] = "skip"
    partition_bytes: int = DEFAULT_BYTES
    mapping: dict[str, str] | None = None
    repo: Path | None = None
    kernel: dict[str, Any] = field(default_factory=dict)  # Kernel.start arguments (plugins)
    policy_roots: tuple[Path, ...] | None = None  # the server's: policies confined to these
    cluster: str | None = None  # "local:N" or a Dask scheduler's address


def _forked() -> None:
    """In a new worker: open database connections of its own (SQLite handles do not fork)."""
    assert _COMPARER is not None
    _COMPARER.kernel.db.dispose(close=False)


def _replay_part(part: Partition) -> ChunkResult:
    assert _COMPARER is not None
    return run_rows(_COMPARER, rows(part))


class LocalRun:
    """Partitions in this process, or in processes forked once the rulebooks are built."""

    def __init__(self, cmp: Comparer, workers: int):
        self.cmp, self.workers, self.pool = cmp, workers, None

    def __enter__(self) -> LocalRun:
        global _COMPARER
        if self.workers > 1:
            self.cmp.kernel.db  # noqa: B018 - created and migrated once, before the fork
            _COMPARER = self.cmp
            self.pool = multiprocessing.get_context("fork").Pool(self.workers,
                                                                 initializer=_forked)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def scan(self, parts: list[Partition]) -> Iterator[Scan]:
        return self.pool.imap(scan, parts) if self.pool else map(scan, parts)

    def replay(self, parts: list[Partition], credit: list) -> Iterator[ChunkResult]:
        if self.pool is None:
            return (run_rows(self.cmp, rows(p)) for p in parts)
        return _ordered(self.pool, parts, self.workers * 3)


def _ordered(pool: Any, parts: list[Partition], window: int) -> Iterator[ChunkResult]:
    """Ordered results with at most ``window`` partitions in flight, so memory stays flat.

    ``Pool.imap`` reads its whole input ahead; the semaphore holds the feeder back.
    """
    gate, stop = threading.Semaphore(window), threading.Event()

    def feed() -> Iterator[Partition]:
        for part in parts:
            gate.acquire()
            if stop.is_set():
                return
            yield part

    try:
        for result in pool.imap(_replay_part, feed(), chunksize=1):
            gate.release()
            yield result
    finally:
        stop.set()
        for _ in range(window + 1):
            gate.release()  # let a blocked feeder see ``stop``


def _policies(opts: ReplayOptions, tmp: Path) -> tuple[Policy, Policy]:
    return (resolve(opts.baseline, tmp, opts.repo, "baseline", opts.policy_roots),
            resolve(opts.candidate, tmp, opts.repo, "candidate", opts.policy_roots))


def start_kernel(store: Path, policies: tuple[Policy, Policy], **kwargs: Any
                 ) -> tuple[Any, Comparer]:
    """A kernel on a throw-away SQLite store, and both policies' rulebooks."""
    from kernel.store import start_kernel as start

    # private: nothing else writes this store, so plugins may keep what they read from it
    kernel = start(**{**kwargs, "db_url": f"sqlite:///{store}", "private_store": True})
    try:
        dirs = [p.rule_dirs(kernel.rule_dirs) for p in policies]
        books = [kernel.load_rules(d) if d else kernel.rulebook for d in dirs]
    except Exception:
        kernel.close()
        raise
    return kernel, Comparer(kernel, books[0], books[1], dirs)


def _partitions(opts: ReplayOptions, tmp: Path) -> list[Partition]:
    """A CSV export is converted first (its quoted fields may hold line breaks)."""
    if Path(opts.cases).suffix.lower() == ".csv":
        if opts.cluster:
            raise PolicyError("cluster", "a cluster replays a JSON Lines history its workers "
                              "can read, not a CSV export")
        converted = tmp / "history.numbered"
        write_numbered(csv_lines(Path(opts.cases), opts.mapping), converted)
        return plan(str(converted), opts.partition_bytes, numbered=True)
    return plan(str(opts.cases), opts.partition_bytes)


def _first_pass(parts: list[Partition], scans: Iterable[Scan]
                ) -> tuple[list[Partition], list[tuple[int, dict]]]:
    """The partitions with their first line numbers, and every distinct credit block in
    input order with its line, taken from the scans as they come (memory stays flat)."""
    out: list[Partition] = []

    def credit() -> Iterator[tuple[int, dict]]:
        line = 1
        for part, found in zip(parts, scans, strict=True):
            out.append(replace(part, first_line=line))
            for n, subject in found.credit:
                yield (n if part.numbered else line + n), subject
            line += found.lines

    subjects = list(distinct(credit()))
    return out, subjects


def _stream(opts: ReplayOptions, results: Iterable[ChunkResult], parts: list[Partition],
            outdir: Path, progress: Progress | None) -> ChunkResult:
    total, done = ChunkResult(), 0
    with open(outdir / "diff.jsonl", "w", encoding="utf-8") as diffs, \
            open(outdir / "bad_rows.jsonl", "w", encoding="utf-8") as bad:
        for part, result in zip(parts, results, strict=True):
            if result.bad and opts.on_error == "fail":
                raise BadRow(*result.bad[0])
            diffs.writelines(d + "\n" for d in result.diffs)
            bad.writelines(json.dumps({"line": n, "error": m}, ensure_ascii=False) + "\n"
                           for n, m in result.bad)
            result.diffs = []
            total.merge(result)
            done += part.size
            if progress:
                progress(total.rows, done)
    return total


def _executor(opts: ReplayOptions, cmp: Comparer) -> Any:
    if opts.cluster:
        from sandbox.cluster import DaskRun

        return DaskRun(opts.cluster, cmp, opts.kernel)
    return LocalRun(cmp, opts.workers)


def _run(opts: ReplayOptions, kernel: Any, cmp: Comparer, parts: list[Partition], work: Path,
         progress: Progress | None) -> tuple[list[tuple[int, str]], ChunkResult]:
    # The kernel and rulebooks live as long as the run: the collector need not walk them
    # for every partition, and forked workers then share their pages instead of copying.
    gc.collect()
    gc.freeze()
    try:
        with _executor(opts, cmp) as run:
            parts, credit = _first_pass(parts, run.scan(parts))
            refused = load_subjects(kernel, credit)  # this store: forked workers read it
            if refused and opts.on_error == "fail":
                raise BadRow(*refused[0])
            return refused, _stream(opts, run.replay(parts, credit), parts, work, progress)
    finally:
        gc.unfreeze()


def replay(opts: ReplayOptions, progress: Progress | None = None) -> dict[str, Any]:
    """Run the replay and write diff.jsonl, bad_rows.jsonl, summary.json and the reports.

    Output appears in ``opts.out`` only when the whole run succeeded. Raises BadRow
    (``--on-error fail``), PolicyError, SourceError or CalendarCoverageError.
    """
    from sandbox.report import summarise, write_reports

    with tempfile.TemporaryDirectory(prefix="onetrip-replay-") as tmp:
        work = Path(tmp) / "out"
        work.mkdir()
        policies = _policies(opts, Path(tmp))
        parts = _partitions(opts, Path(tmp))
        kernel, cmp = start_kernel(Path(tmp) / "sandbox.db", policies, **opts.kernel)
        try:
            refused, total = _run(opts, kernel, cmp, parts, work, progress)
            summary = summarise(total, policies, cmp)
        finally:
            for book in cmp.books:
                if book is not kernel.rulebook:
                    book.close()
            kernel.close()
        summary["credit_refused"] = [{"line": n, "error": m} for n, m in refused]
        write_reports(work, summary)
        opts.out.mkdir(parents=True, exist_ok=True)
        for f in work.iterdir():
            shutil.move(str(f), opts.out / f.name)
    return summary
