"""The rules thread: work queued while it is busy runs together, each caller gets its own answer."""

from __future__ import annotations

import asyncio
import threading

import pytest

from kernel.http.rulesthread import RulesThread


def test_queued_work_runs_in_order_on_one_thread_and_each_caller_gets_its_own_answer():
    rules, ran = RulesThread(), []
    busy = threading.Event()

    def work(n: int) -> int:
        if n == 0:
            busy.wait(30)  # hold the thread while the others queue up
        ran.append((n, threading.current_thread().name))
        if n == 3:
            raise ValueError("three is refused")
        return n * 10

    async def main():
        first = asyncio.ensure_future(rules.run(work, 0))
        await asyncio.sleep(0)
        others = [asyncio.ensure_future(rules.run(work, n)) for n in range(1, 6)]
        busy.set()
        return await asyncio.wait_for(asyncio.gather(first, *others, return_exceptions=True), 30)

    try:
        answers = asyncio.run(main())
    finally:
        rules.close()
    assert answers[:3] + answers[4:] == [0, 10, 20, 40, 50]
    assert isinstance(answers[3], ValueError)
    assert [n for n, _ in ran] == [0, 1, 2, 3, 4, 5]
    assert {name for _, name in ran} == {"onetrip-rules_0"}


def test_work_after_the_thread_stopped_is_refused_not_left_waiting():
    rules = RulesThread()
    rules.close()
    with pytest.raises(RuntimeError):
        asyncio.run(asyncio.wait_for(rules.run(int, 1), 30))
