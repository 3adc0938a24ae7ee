"""OA document flow: documents created, steps advanced and chases swept per second (SQLite)."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kernel.store import start_kernel
from plugins.oa import service_of
from plugins.oa.metrics import metrics
from plugins.oa.models import Advance, NewDocument

TZ = ZoneInfo("Asia/Shanghai")
URGENCIES = ("特急", "加急", "平件")


def main(n: int = 2000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kernel = start_kernel(db_url=f"sqlite:///{Path(tmp) / 'bench.db'}")
        oa = service_of(kernel)
        start = datetime(2019, 9, 2, 9, 30, tzinfo=TZ)
        t0 = time.perf_counter()
        ids = [oa.create(NewDocument(flow="incoming", title=f"文{i}", type="函",
                                     urgency=URGENCIES[i % 3], lead=f"局{i % 7}",
                                     received_at=start + timedelta(minutes=7 * i)))["id"]
               for i in range(n)]
        t1 = time.perf_counter()
        for i, doc_id in enumerate(ids):
            oa.advance(doc_id, Advance(at=start + timedelta(minutes=7 * i + 50)))
        t2 = time.perf_counter()
        chased = oa.chase(start + timedelta(days=60))
        t3 = time.perf_counter()
        rates = metrics(oa.engine)
        t4 = time.perf_counter()
        kernel.close()
    print(f"documents created: {n / (t1 - t0):8.0f}/s  ({n} incoming, rules + due + chase time)")
    print(f"steps advanced:    {n / (t2 - t1):8.0f}/s")
    print(f"chase sweep:       {len(chased)} steps in {t3 - t2:.3f} s")
    print(f"metrics:           {t4 - t3:.3f} s over {rates['overall']['documents']} documents")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
