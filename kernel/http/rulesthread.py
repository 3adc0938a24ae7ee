"""The one thread that evaluates cases and swaps the rules; work queued meanwhile runs in one hop.

Evaluations run off the event loop, and never beside a reload: a rulebook is only closed on
this thread, after the evaluations that use it. Handing each request to the thread and back
costs about as much as a small evaluation, so under load the requests that arrive while the
thread is busy are handed over together and answered together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

Work = tuple[Callable[[], Any], asyncio.Future]


class RulesThread:
    """Runs callables on one thread, in order, several to a hop."""

    def __init__(self, max_batch: int = 64):
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="onetrip-rules")
        self.max_batch = max_batch
        self._queue: list[Work] = []
        self._draining = False

    async def run(self, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)`` on the rules thread; its result, or what it raised."""
        fut = asyncio.get_running_loop().create_future()
        self._queue.append((partial(work, *args), fut))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await fut

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                batch = self._queue[:self.max_batch]
                del self._queue[:self.max_batch]
                try:
                    done = await loop.run_in_executor(self.pool, _run_all, [w for w, _ in batch])
                except Exception as exc:  # the thread is gone (shut down): tell everyone
                    done = [(False, exc)] * len(batch)
                for (_, fut), (ok, value) in zip(batch, done, strict=True):
                    if fut.done():  # the caller went away
                        continue
                    if ok:
                        fut.set_result(value)
                    else:
                        fut.set_exception(value)
        finally:
            self._draining = False

    def close(self) -> None:
        """Wait for the work under way, then stop the thread."""
        self.pool.shutdown()


def _run_all(works: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
    out = []
    for work in works:
        try:
            out.append((True, work()))
        except Exception as exc:  # each caller gets its own error
            out.append((False, exc))
    return out
