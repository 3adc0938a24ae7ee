"""A kernel opens its store once, whichever threads ask for it first."""

from __future__ import annotations

import threading

from casekit import TEST_RULES

from kernel.store import start_kernel


def test_threads_asking_for_the_store_at_once_share_one_engine(db_url):
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES)
    barrier, engines = threading.Barrier(4), []

    def ask() -> None:
        barrier.wait()
        engines.append(kernel.db)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(engines) == 4 and len({id(e) for e in engines}) == 1
    finally:
        kernel.close()
