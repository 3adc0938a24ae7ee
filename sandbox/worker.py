"""One replay job in a process of its own: ``python -m sandbox.worker JOBDIR``.

The API server starts it (never forking itself) and follows ``JOBDIR/state.json``: written
as rows are replayed, then once more with the summary or the reason it failed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

JOB, STATE = "job.json", "state.json"
FINAL = ("done", "failed")


def write_state(jobdir: Path, **state: Any) -> None:
    """Readers see the old state or the new one, never half of it."""
    fd, tmp = tempfile.mkstemp(prefix=".state.", dir=jobdir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, ensure_ascii=False, default=str)
    os.replace(tmp, jobdir / STATE)


def read_state(jobdir: Path) -> dict[str, Any]:
    try:
        return json.loads((jobdir / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _die_with_parent(parent: int) -> None:
    """The server went away (however it died): stop, with the replay's own pool processes.

    ``parent`` is the server's pid as it wrote it in the job: a server that died before
    this process could ask for its parent is noticed too.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        if os.getpgrp() == os.getpid():  # as the server starts it: leading its own group
            os.killpg(0, signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def public(message: str, job: dict[str, Any]) -> str:
    """An error as callers may see it: no folder of this server, no temporary path."""
    for prefix in sorted({*job["policy_roots"], job["out"], tempfile.gettempdir()},
                         key=len, reverse=True):
        message = message.replace(str(prefix).rstrip("/") + "/", "")
    return re.sub(r"onetrip-replay-[^/\s]+/", "", message)


def run(jobdir: Path) -> int:
    from sandbox.history import BadRow, explain
    from sandbox.policy import PolicyError
    from sandbox.replay import ReplayOptions, replay

    job = json.loads((jobdir / JOB).read_text(encoding="utf-8"))
    opts = ReplayOptions(
        cases=Path(job["cases"]), baseline=job["baseline"], candidate=job["candidate"],
        out=Path(job["out"]), workers=job["workers"], on_error=job["on_error"],
        kernel=job["kernel"], policy_roots=tuple(map(Path, job["policy_roots"])))
    seen = {"rows": 0, "bytes_done": 0}
    written = [0.0]

    def progress(rows: int, done: int) -> None:
        seen.update(rows=rows, bytes_done=done)
        if time.monotonic() - written[0] > 0.2:
            written[0] = time.monotonic()
            write_state(jobdir, status="running", **seen)

    write_state(jobdir, status="running", rows=0, bytes_done=0)
    try:
        summary = replay(opts, progress)
    except (BadRow, PolicyError, ValueError) as exc:  # the request's fault: say why
        write_state(jobdir, status="failed", error=public(explain(exc), job))
        return 0
    except Exception as exc:
        traceback.print_exc()  # to the job's log, for whoever runs the server
        write_state(jobdir, status="failed", error=f"internal error: {type(exc).__name__}")
        return 1
    write_state(jobdir, status="done", **seen, summary=summary)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m sandbox.worker JOBDIR", file=sys.stderr)
        return 2
    try:
        parent = int(json.loads((Path(argv[0]) / JOB).read_text("utf-8"))["server"])
    except (OSError, ValueError, KeyError, TypeError):
        parent = os.getppid()  # a job written by hand: whoever started this process
    _die_with_parent(parent)
    return run(Path(argv[0]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
