"""Synthetic history: realistic cases over the kernel's catalogue, reproducible from a seed."""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any, TextIO

from kernel import Item
from kernel.ids import credit_check_char, id_check_char
from sandbox.history import HALL_TZ

SEED_CASES = 26_074  # cases the hall's online system handled in 2019 (the yearbook)
AREAS = ("510903", "510904", "510921", "510922", "510923")  # Suining's districts and counties
CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CHANNELS = (("window", 55), ("online", 40), ("bank", 5))
GRADES = (("A", 40), ("B", 35), ("M", 15), ("C", 8), ("D", 2))  # 纳税信用 grades
# Applicant facts the generator knows how to fill, with weights; others stay absent.
FACT_VALUES: dict[str, tuple[tuple[Any, int], ...]] = {
    "project.kind": (("industrial", 40), ("commercial", 20), ("residential", 20),
                     ("public", 10), ("infrastructure", 10)),
    "project.land_approved": ((False, 70), (True, 30)),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
FIRMS = ("川中", "涪江", "遂州", "观音湖", "圣莲", "子昂", "船山", "安居", "射洪", "大英")
TRADES = ("食品", "建材", "电子", "物流", "锂电", "纺织", "置业", "医药")


@lru_cache(maxsize=64)
def _cumulative(table: tuple[tuple[Any, int], ...]) -> tuple[list[Any], list[int]]:
    return [v for v, _ in table], list(accumulate(w for _, w in table))


def _pick(rng: random.Random, table: tuple[tuple[Any, int], ...]) -> Any:
    values, cumulative = _cumulative(table)  # as rng.choices(values, weights) draws
    return rng.choices(values, cum_weights=cumulative)[0]


def person_id(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    first17 = f"{rng.choice(AREAS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def credit_code(rng: random.Random) -> str:
    org = "".join(rng.choice(CC_ALPHABET) for _ in range(9))
    first17 = f"91{rng.choice(AREAS)}{org}"
    return first17 + credit_check_char(first17)


def credit_record(rng: random.Random, year: int, k: int) -> dict[str, Any]:
    """Credit as the credit plugin's subject records have it (rating, listings, commitments)."""
    out: dict[str, Any] = {}
    grade = _pick(rng, GRADES)
    if grade != "M":  # M: new, no rating yet
        out["rating"] = {"grade": grade, "since": f"{year - 1}-04-01"}
    if rng.random() < 0.005:
        out["listings"] = [{"kind": "judgment_defaulter", "authority": "遂宁市中级人民法院",
                            "from": f"{year - 1}-06-01"}]
    if rng.random() < 0.01:
        out["commitments"] = [{"case": f"PRIOR-{k}", "kind": "tolerance",
                               "made_on": f"{year - 1}-03-01", "due": f"{year - 1}-04-01",
                               "status": "broken", "settled_on": f"{year - 1}-05-01"}]
    return out


@lru_cache(maxsize=1 << 17)  # the pool recurs: each drawn once (callers only read them)
def applicant(seed: int, k: int, year: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Applicant ``k`` of the pool and their credit, the same wherever they appear."""
    rng = random.Random(f"{seed}:applicant:{k}")
    credit = credit_record(rng, year, k)
    if rng.random() < 0.3:
        name = rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超")
        return {"kind": "person", "name": name, "id_number": person_id(rng)}, credit
    name = f"遂宁市{rng.choice(FIRMS)}{rng.choice(TRADES)}有限公司"
    return {"kind": "organisation", "name": name, "credit_code": credit_code(rng)}, credit


class Generator:
    """Cases over ``kernel.items.items``, on the kernel's working days and office hours."""

    def __init__(self, kernel: Any, year: int, seed: int):
        self.kernel, self.year, self.seed = kernel, year, seed
        self.rng = random.Random(f"{seed}:cases")
        self.items: list[Item] = sorted(kernel.items.items.values(), key=lambda i: i.code)
        self.owner = kernel.items.owners
        self.facts = {n: s.owner for n, s in kernel.facts.specs.items()
                      if s.applicant and n in FACT_VALUES}
        cal = kernel.calendar
        first = date(year, 1, 1)
        self.days = [d for d in (first + timedelta(n) for n in range(366))
                     if d.year == year and cal.is_working_day(d)]
        self.sessions = [(s, e) for s, e in cal.office_hours.sessions]
        self.pool = len(self.days) * 20  # applicants; frequent ones recur (a Pareto head)

    def applicants(self) -> Iterator[tuple[int, str]]:
        """Every applicant of the pool as a minimal history row, for the credit loader."""
        for k in range(self.pool):
            who, credit = applicant(self.seed, k, self.year)
            yield k, json.dumps({"application": {"applicant": who}, "credit": credit})

    def _per_day(self, cases: int) -> list[int]:
        base, extra = divmod(cases, len(self.days))
        counts = [base] * len(self.days)
        for i in self.rng.sample(range(len(self.days)), extra):
            counts[i] += 1
        return counts

    def _times(self, day: date, n: int) -> list[datetime]:
        minutes = [(s.hour * 60 + s.minute, e.hour * 60 + e.minute) for s, e in self.sessions]
        total = sum(e - s for s, e in minutes)
        out = []
        for offset in sorted(self.rng.randrange(total * 60) for _ in range(n)):
            for s, e in minutes:
                if offset < (e - s) * 60:
                    t = datetime.combine(day, time(0), HALL_TZ) + timedelta(
                        minutes=s, seconds=offset)
                    out.append(t)
                    break
                offset -= (e - s) * 60
        return out

    def _items(self) -> list[str]:
        item = self.rng.choice(self.items)
        if item.merges and self.rng.random() < 0.5:
            return list(item.merges)  # applied for together: the kernel merges them
        return [item.code]

    def _materials(self, codes: list[str]) -> list[str]:
        out: dict[str, None] = {}
        for code in codes:
            for m in self.kernel.items.items[code].materials:
                keep = (0.97 if m.role == "main" else 0.5 if m.shared_source
                        else 0.75 if m.tolerable else 0.9)
                if self.rng.random() < keep:
                    out[m.code] = None
        return list(out)

    def _facts(self, codes: list[str]) -> dict[str, Any]:
        owners = {self.owner[c] for c in codes}
        return {n: _pick(self.rng, FACT_VALUES[n]) for n, o in self.facts.items() if o in owners}

    def case(self, n: int, when: datetime) -> dict[str, Any]:
        rng = self.rng
        k = (int(rng.paretovariate(1.2) * 7) + rng.randrange(self.pool)) % self.pool
        who, credit = applicant(self.seed, k, self.year)
        codes = self._items()
        channel = _pick(rng, CHANNELS)
        row: dict[str, Any] = {
            "case_id": f"SN{self.year}-{n:07d}",
            "application": {"items": codes, "applicant": who, "submitted_at": when.isoformat(),
                            "channel": channel, "materials": self._materials(codes),
                            "facts": self._facts(codes)},
            "supplement_online": rng.random() < 0.85,
            "credit": credit,
        }
        if channel == "window":
            row["desk"] = "comprehensive" if rng.random() < 0.906 else "department"
        return row

    def rows(self, cases: int) -> Iterator[dict[str, Any]]:
        n = 0
        for day, count in zip(self.days, self._per_day(cases), strict=True):
            for when in self._times(day, count):
                n += 1
                yield self.case(n, when)


Progress = Callable[[int], None]  # cases written so far
_KERNEL: Any = None  # set before the workers fork, with the seed
_SEED = 0
BATCH = 500


def _then(rows: list[dict[str, Any]]) -> str:
    """Rows as JSON Lines, each with what the rules in force decided then."""
    from sandbox.outcome import history_then

    for row in rows:
        rng = random.Random(f"{_SEED}:then:{row['case_id']}")  # the same in any process
        row["then"] = history_then(_KERNEL, row, rng)
    return "".join(_line(r) for r in rows)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _line(row: dict[str, Any]) -> str:
    return _ENCODE(row) + "\n"


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _decided(batches: Iterator[list], workers: int) -> Iterator[str]:
    """Batches with their outcomes, in order, decided on ``workers`` forked processes."""
    if workers <= 1:
        yield from map(_then, batches)
        return
    _KERNEL.db  # noqa: B018 - opened (and the credit loaded) once, before the fork
    gate, stop = threading.Semaphore(workers * 4), threading.Event()

    def feed() -> Iterator[list]:
        for batch in batches:
            gate.acquire()
            if stop.is_set():
                return
            yield batch

    pool = multiprocessing.get_context("fork").Pool(
        workers, initializer=lambda: _KERNEL.db.dispose(close=False))
    try:
        for text in pool.imap(_then, feed()):
            gate.release()
            yield text
    finally:
        stop.set()
        for _ in range(workers * 4 + 1):
            gate.release()
        pool.terminate()
        pool.join()


def write(kernel: Any, out: TextIO, cases: int = SEED_CASES, year: int = 2019,
          seed: int = 1, then: bool = True, workers: int = 1,
          progress: Progress | None = None) -> int:
    """Write ``cases`` rows of JSON Lines; with ``then``, record what the rules in force did
    (decided on ``workers`` processes: the same bytes for any number)."""
    global _KERNEL, _SEED

    gen = Generator(kernel, year, seed)
    _SEED = seed
    if then:  # decide "then" with the applicants' credit, as the replay will see it
        from sandbox.credit import load_credit

        load_credit(kernel, gen.applicants())
        _KERNEL = kernel
        texts = _decided(_batches(gen.rows(cases)), workers)
    else:
        texts = ("".join(map(_line, batch)) for batch in _batches(gen.rows(cases)))
    done = 0
    try:
        for text in texts:
            out.write(text)
            done += text.count("\n")
            if progress:
                progress(done)
    finally:
        _KERNEL = None
    return cases
