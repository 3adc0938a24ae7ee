"""A/B replay: stream a history through two policies on every core, in a throw-away store."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sandbox.compare import ChunkResult, Comparer, run_rows
from sandbox.credit import load_credit
from sandbox.history import BadRow, source_lines
from sandbox.policy import Policy, resolve

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
    chunk: int = 400
    mapping: dict[str, str] | None = None
    repo: Path | None = None
    kernel: dict[str, Any] = field(default_factory=dict)  # Kernel.start arguments (plugins)
    policy_roots: tuple[Path, ...] | None = None  # the server's: policies confined to these


def _forked() -> None:
    """In a new worker: open database connections of its own (SQLite handles do not fork)."""
    assert _COMPARER is not None
    _COMPARER.kernel.db.dispose(close=False)


def _work(rows: list[tuple[int, str]]) -> ChunkResult:
    assert _COMPARER is not None
    return run_rows(_COMPARER, rows)


def _chunks(lines: Iterable[tuple[int, str]], size: int,
            sizes: list[int]) -> Iterator[list[tuple[int, str]]]:
    rows: list[tuple[int, str]] = []
    nbytes = 0
    for line, text in lines:
        rows.append((line, text))
        nbytes += len(text.encode())
        if len(rows) == size:
            sizes.append(nbytes)
            yield rows
            rows, nbytes = [], 0
    if rows:
        sizes.append(nbytes)
        yield rows


def _parallel(chunks: Iterator[list], workers: int) -> Iterator[ChunkResult]:
    """Ordered results with at most a few chunks in flight, so memory stays flat.

    ``Pool.imap`` reads its whole input ahead; the semaphore holds the feeder back.
    """
    gate, stop = threading.Semaphore(workers * 3), threading.Event()

    def feed() -> Iterator[list]:
        for chunk in chunks:
            gate.acquire()
            if stop.is_set():
                return
            yield chunk

    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_forked)
    try:
        for result in pool.imap(_work, feed(), chunksize=1):
            gate.release()
            yield result
    finally:
        stop.set()
        for _ in range(workers * 3 + 1):
            gate.release()  # let a blocked feeder see ``stop``
        pool.terminate()
        pool.join()


def _results(cmp: Comparer, chunks: Iterator[list], workers: int) -> Iterator[ChunkResult]:
    global _COMPARER
    if workers <= 1:
        return (run_rows(cmp, rows) for rows in chunks)
    _COMPARER = cmp
    return _parallel(chunks, workers)


def _policies(opts: ReplayOptions, tmp: Path) -> tuple[Policy, Policy]:
    return (resolve(opts.baseline, tmp, opts.repo, "baseline", opts.policy_roots),
            resolve(opts.candidate, tmp, opts.repo, "candidate", opts.policy_roots))


def start_kernel(store: Path, policies: tuple[Policy, Policy], **kwargs: Any
                 ) -> tuple[Any, Comparer]:
    """A kernel on a throw-away SQLite store, and both policies' rulebooks."""
    from kernel.store import start_kernel as start

    kernel = start(**{**kwargs, "db_url": f"sqlite:///{store}"})
    dirs = [p.rule_dirs(kernel.rule_dirs) for p in policies]
    books = [kernel.load_rules(d) if d else kernel.rulebook for d in dirs]
    return kernel, Comparer(kernel, books[0], books[1])


def _stream(opts: ReplayOptions, cmp: Comparer, outdir: Path, progress: Progress | None
            ) -> ChunkResult:
    sizes: list[int] = []
    total, done = ChunkResult(), 0
    chunks = _chunks(source_lines(opts.cases, opts.mapping), opts.chunk, sizes)
    with open(outdir / "diff.jsonl", "w", encoding="utf-8") as diffs, \
            open(outdir / "bad_rows.jsonl", "w", encoding="utf-8") as bad:
        for result in _results(cmp, chunks, opts.workers):
            if result.bad and opts.on_error == "fail":
                raise BadRow(*result.bad[0])
            diffs.writelines(d + "\n" for d in result.diffs)
            bad.writelines(json.dumps({"line": n, "error": m}, ensure_ascii=False) + "\n"
                           for n, m in result.bad)
            result.diffs = []
            total.merge(result)
            done += sizes.pop(0)
            if progress:
                progress(total.rows, done)
    return total


def _run(opts: ReplayOptions, kernel: Any, cmp: Comparer, work: Path,
         progress: Progress | None) -> tuple[list[tuple[int, str]], ChunkResult]:
    refused = load_credit(kernel, source_lines(opts.cases, opts.mapping))
    if refused and opts.on_error == "fail":
        raise BadRow(*refused[0])
    # The kernel and rulebooks live as long as the run: the collector need not walk them
    # for every chunk, and forked workers then share their pages instead of copying.
    gc.collect()
    gc.freeze()
    try:
        return refused, _stream(opts, cmp, work, progress)
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
        kernel, cmp = start_kernel(Path(tmp) / "sandbox.db", policies, **opts.kernel)
        try:
            refused, total = _run(opts, kernel, cmp, work, progress)
        finally:
            for book in cmp.books:
                if book is not kernel.rulebook:
                    book.close()
            kernel.close()
        summary = summarise(total, policies, cmp)
        summary["credit_refused"] = [{"line": n, "error": m} for n, m in refused]
        write_reports(work, summary)
        opts.out.mkdir(parents=True, exist_ok=True)
        for f in work.iterdir():
            shutil.move(str(f), opts.out / f.name)
    return summary

