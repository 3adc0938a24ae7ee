"""Partitions of a history file: byte ranges that start on a line, read where they are.

A partition is a plain value (where the history lives, a byte range, the number of its
first line) so that a process on this machine or a Dask worker on another reads its rows
itself: nothing but the range travels. Rows keep the line numbers of the whole file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DEFAULT_BYTES = 1 << 20  # about a thousand cases: small enough to keep a few in flight


@dataclass(frozen=True)
class Partition:
    """Rows whose line starts at a byte in ``[start, end)`` of ``source``.

    ``first_line`` is the file's line number of the first of them (0 until counted).
    ``numbered``: each line is ``N<TAB>row``, N the row's line in the original export
    (a CSV converted to JSON Lines keeps its own line numbers this way).
    """

    source: str
    start: int
    end: int
    first_line: int = 0
    numbered: bool = False

    @property
    def size(self) -> int:
        return self.end - self.start


def open_source(source: str) -> IO[bytes]:
    """A local path, or any URL fsspec reads (``s3://``, ``hdfs://``…) on a cluster."""
    if "://" in source and not source.startswith("file://"):
        import fsspec  # comes with dask; only needed for histories outside a file system

        return fsspec.open(source, "rb").open()
    return open(source.removeprefix("file://"), "rb")


def plan(source: str, size: int = DEFAULT_BYTES, numbered: bool = False) -> list[Partition]:
    """Cut ``source`` into ranges of about ``size`` bytes, each starting on a line."""
    with open_source(source) as fh:
        fh.seek(0, 2)
        total = fh.tell()
        cuts = [0]
        while cuts[-1] + size < total:
            fh.seek(cuts[-1] + size - 1)
            fh.readline()  # to the end of the line that byte is in
            if fh.tell() >= total:
                break
            cuts.append(fh.tell())
    cuts.append(total)
    return [Partition(source, a, b, numbered=numbered) for a, b in zip(cuts, cuts[1:], strict=False)
            if b > a]


def raw_lines(part: Partition) -> Iterator[bytes]:
    with open_source(part.source) as fh:
        fh.seek(part.start)
        left = part.size
        while left > 0:
            line = fh.readline(left)
            if not line:
                return
            left -= len(line)
            yield line


def rows(part: Partition) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-blank row, as ``history.read_lines`` gives them."""
    for n, raw in enumerate(raw_lines(part)):
        text = raw.decode("utf-8")
        if part.numbered:
            line, _, text = text.partition("\t")
            yield int(line), text
        elif text.strip():
            yield part.first_line + n, text


def write_numbered(lines: Iterator[tuple[int, str]], out: Path) -> None:
    """Rows of another format (a CSV export) as numbered JSON Lines, streamed."""
    with open(out, "w", encoding="utf-8") as fh:
        for line, text in lines:
            fh.write(f"{line}\t{text.rstrip(chr(10))}\n")


@dataclass
class Scan:
    """What the first pass finds in one partition: its lines and its rows' credit blocks."""

    lines: int
    credit: list[tuple[int, dict[str, Any]]]  # (line, subject record), first of each


def scan(part: Partition) -> Scan:
    """Count the lines of a partition and collect its distinct credit blocks.

    Lines are numbered from the partition's ``first_line`` (0 before counting: the caller
    adds the real one), or by the numbers a numbered partition carries.
    """
    from sandbox.credit import distinct, subject_of

    n, found = 0, []
    for n, raw in enumerate(raw_lines(part), 1):
        if b'"credit"' not in raw:
            continue
        text = raw.decode("utf-8")
        line = part.first_line + n - 1
        if part.numbered:
            head, _, text = text.partition("\t")
            line = int(head)
        try:
            found.append((line, subject_of(json.loads(text))))
        except ValueError:  # not JSON: the replay reports the row itself
            continue
    return Scan(n, list(distinct(found)))
