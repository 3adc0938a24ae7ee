"""The delivery worker: plugins hear of committed cases on a thread of their own, in batches.

The API answers a submission once its transaction has committed and hands the stored case
here; the worker takes whatever has gathered meanwhile, calls the plugins (a batch plugin
once for all of it, see ``onetrip_decisions_made``) and marks the rows delivered in one
transaction. The rows were stored undelivered, so a crash before the mark loses nothing:
the sweep's redelivery hands them over (see :mod:`kernel.store.outbox`).

Later events of a case still waiting here queue behind it, so a plugin hears of a
case's events in the order they happened (its decision before its supplement, say).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from kernel.store.outbox import Event

log = logging.getLogger("onetrip.delivery")


class Deliverer:
    """One background thread delivering stored submissions and events, in order."""

    def __init__(self, intake: Any, max_batch: int = 512):
        self.intake, self.max_batch = intake, max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._waiting: Counter[str] = Counter()  # case id -> queued items naming it
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="onetrip-delivery", daemon=True)
        self._thread.start()
        intake.outbox.in_flight = self.holds  # the sweep leaves these to this worker

    def put(self, subs: list[Any]) -> None:
        """Stored submissions, to deliver after what is queued already."""
        self._enqueue("cases", subs, [s.case_id for s in subs])

    def put_events(self, events: list[Event]) -> None:
        self._enqueue("events", events, [e.case_id for e in events])

    def holds(self, case_id: str) -> bool:
        """Whether something of this case waits here (its later events must queue too)."""
        with self._lock:
            return self._waiting[case_id] > 0

    def holds_any(self, case_ids: Iterable[str]) -> bool:
        with self._lock:
            return any(self._waiting[c] > 0 for c in case_ids)

    def close(self) -> None:
        """Deliver everything queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _enqueue(self, kind: str, items: list[Any], case_ids: list[str]) -> None:
        with self._lock:
            self._waiting.update(case_ids)
        self._queue.put((kind, items, case_ids))

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while batch[-1] is not None and len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = batch[-1] is None
            self._deliver([b for b in batch if b is not None])
            if stop:
                return

    def _deliver(self, batch: list[tuple[str, list, list[str]]]) -> None:
        """Deliver in queue order; consecutive submissions go to plugins as one batch."""
        i = 0
        while i < len(batch):
            kind, items, ids = batch[i]
            j = i + 1
            if kind == "cases":
                while j < len(batch) and batch[j][0] == "cases":
                    items, ids = items + batch[j][1], ids + batch[j][2]
                    j += 1
            try:
                if kind == "cases":
                    self.intake.deliver(items)
                else:
                    self.intake.outbox.events(items)
            except Exception:  # left unmarked: the sweep delivers it again
                log.exception("delivery of %d %s failed; the sweep retries", len(items), kind)
            finally:
                with self._lock:
                    self._waiting.subtract(ids)
                    for c in set(ids):
                        if self._waiting[c] <= 0:
                            del self._waiting[c]
            i = j
