"""Group commit: one writer per process stores concurrent submissions in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from kernel.store.delivery import Deliverer
from kernel.store.intake import Intake, Submission
from kernel.store.lifecycle import Lifecycle


class Writer:
    """Queues evaluated submissions; a single task writes whatever has gathered meanwhile.

    Each caller is answered only after the transaction holding its case has committed.
    """

    def __init__(self, intake: Intake, max_batch: int = 256, later: Any = None):
        self.intake, self.max_batch, self.later = intake, max_batch, later
        self.queue: asyncio.Queue[tuple[Submission, asyncio.Future]] = asyncio.Queue()
        # one thread: batches are written in order and never contend with each other
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="onetrip-writer")

    async def submit(self, sub: Submission) -> Submission:
        fut = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((sub, fut))
        done = await fut
        if done.error is not None:
            raise done.error
        return done

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.max_batch and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            futures = {id(sub): fut for sub, fut in batch}

            def ack(subs: list[Submission], futures: dict = futures) -> None:
                loop.call_soon_threadsafe(_settle, [(futures[id(s)], s) for s in subs])

            try:
                await loop.run_in_executor(self.executor, self.intake.commit,
                                           [s for s, _ in batch], ack, self.later)
            except Exception as exc:  # e.g. the delivery marks failed: answer who still waits
                for fut in futures.values():
                    if not fut.done():
                        fut.set_exception(exc)


def _settle(done: list[tuple[asyncio.Future, Submission]]) -> None:
    for fut, sub in done:
        if not fut.done():  # the client may have gone away
            fut.set_result(sub)


WRITER = web.AppKey("writer", Writer)


def writer(lifecycle: Lifecycle) -> Any:
    """A cleanup_ctx resource running the application's writer and its delivery worker:
    callers are answered at commit, plugins hear of their cases afterwards, in batches."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        lifecycle.deliverer = deliverer = Deliverer(lifecycle.intake)
        app[WRITER] = w = Writer(lifecycle.intake, later=deliverer.put)
        task = asyncio.create_task(w.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.to_thread(w.executor.shutdown)  # a batch under way commits
        await asyncio.to_thread(deliverer.close)  # and what was committed is delivered
        lifecycle.deliverer = None

    return run
