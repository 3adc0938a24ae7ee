"""The replay on a Dask distributed cluster: ``--cluster tcp://SCHEDULER:8786`` or ``local:N``.

The client ships the rules as data (every rule file's text, for both policies) and the
applicants' credit; each worker process builds its kernel, rulebooks and throw-away store
once per replay and reads its partitions of the history itself, where the history lives
(a path every worker sees, or an fsspec URL such as ``s3://…``). Partition summaries come
back to the client, which reduces them in input order: the same output as a local run.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.rulebook import rule_paths
from sandbox.compare import ChunkResult, Comparer, run_rows
from sandbox.partition import Partition, Scan, rows, scan

RuleDir = tuple[str, tuple[tuple[str, str], ...]]  # (name, ((relative path, text), …))


def ship_dir(path: Path) -> RuleDir:
    """A rules folder (or one file) as data: every rule file's relative path and text."""
    path = Path(path)
    if path.is_file():
        return path.name, ((path.name, path.read_text("utf-8")),)
    files = rule_paths([path]) if path.is_dir() else []
    return path.name, tuple((str(f.relative_to(path)), f.read_text("utf-8")) for f in files)


def unpack_dir(shipped: RuleDir, into: Path) -> Path:
    name, files = shipped
    if len(files) == 1 and files[0][0] == name:  # a single file
        into.mkdir(parents=True, exist_ok=True)
        (into / name).write_text(files[0][1], "utf-8")
        return into / name
    for rel, text in files:
        (into / rel).parent.mkdir(parents=True, exist_ok=True)
        (into / rel).write_text(text, "utf-8")
    into.mkdir(parents=True, exist_ok=True)
    return into


@dataclass(frozen=True)
class ReplaySpec:
    """Everything a worker needs to decide cases as the client would."""

    kernel: dict[str, Any]  # Kernel.start arguments
    policies: tuple[tuple[RuleDir, ...], tuple[RuleDir, ...]]
    credit: tuple[tuple[int, dict[str, Any]], ...]

    @property
    def token(self) -> str:
        return hashlib.sha256(pickle.dumps(self)).hexdigest()[:16]


_CONTEXT: dict[str, tuple[Any, Comparer, str]] = {}  # in a worker: token -> kernel, comparer


def _context(spec: ReplaySpec, token: str) -> Comparer:
    """The worker's kernel for this replay, built on its first partition."""
    from kernel.store import start_kernel
    from sandbox.credit import load_subjects

    found = _CONTEXT.get(token)
    if found is not None:
        return found[1]
    forget()
    tmp = tempfile.mkdtemp(prefix="onetrip-replay-worker-")
    kernel = start_kernel(**{**spec.kernel, "db_url": f"sqlite:///{tmp}/sandbox.db",
                             "private_store": True})
    books = [kernel.load_rules([unpack_dir(d, Path(tmp, side, str(i)))
                                for i, d in enumerate(dirs)])
             for side, dirs in zip(("baseline", "candidate"), spec.policies, strict=True)]
    load_subjects(kernel, spec.credit)
    cmp = Comparer(kernel, *books)
    _CONTEXT[token] = (kernel, cmp, tmp)
    return cmp


def forget(token: str | None = None) -> None:
    """Close the worker's replay kernels (all, or one replay's) and delete their stores."""
    for key in [k for k in _CONTEXT if token in (None, k)]:
        kernel, cmp, tmp = _CONTEXT.pop(key)
        for book in cmp.books:
            book.close()
        kernel.close()
        shutil.rmtree(tmp, ignore_errors=True)


def replay_partition(spec: ReplaySpec, token: str, part: Partition) -> ChunkResult:
    return run_rows(_context(spec, token), rows(part))


def _client(address: str) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--cluster needs Dask: pip install 'onetrip[cluster]'") from None
    if address.startswith("local:"):
        n = int(address.removeprefix("local:") or 0) or None
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return cluster, Client(cluster)
    return None, Client(address)


class DaskRun:
    """Scan and replay partitions as Dask tasks; results are taken back in input order."""

    def __init__(self, address: str, cmp: Comparer, kernel_args: dict[str, Any]):
        self.address, self.cmp, self.kernel_args = address, cmp, kernel_args
        self.cluster = self.client = None
        self.token: str | None = None

    def __enter__(self) -> DaskRun:
        self.cluster, self.client = _client(self.address)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.token is not None:
            self.client.run(forget, self.token)
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def scan(self, parts: list[Partition]) -> Iterator[Scan]:
        futures = deque(self.client.map(scan, parts, pure=False))
        while futures:  # in order, each let go once read
            yield futures.popleft().result()

    def replay(self, parts: list[Partition], credit: list) -> Iterator[ChunkResult]:
        spec = ReplaySpec(self.kernel_args,
                          tuple(tuple(ship_dir(d) for d in dirs) for dirs in self.cmp.dirs),
                          tuple(credit))
        self.token = spec.token
        shipped = self.client.scatter(spec, broadcast=True)
        window = 2 * max(len(self.client.scheduler_info()["workers"]), 1) + 2
        flight: deque = deque()
        for part in parts:
            flight.append(self.client.submit(replay_partition, shipped, self.token, part,
                                             pure=False))
            if len(flight) >= window:
                yield flight.popleft().result()
        while flight:
            yield flight.popleft().result()
