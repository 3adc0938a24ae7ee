"""The test kit's parts: a calendar frozen to a day, a case builder, a live API with a client,
and the conformance check a plugin runs on itself (``kernel.testkit`` serves them as fixtures).
"""

from __future__ import annotations

import asyncio
import inspect
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import calendars
from kernel.ids import credit_check_char, id_check_char
from kernel.manager import PluginError, contract_problems
from kernel.models import TimeLimit
from kernel.yamlsrc import SourceError

HOUR = time(10)


@dataclass(frozen=True)
class FrozenCalendar:
    """The kernel's working calendar seen from one day: pass ``now`` as the ``at``/``as_of``
    of lifecycle calls so a test's dates never depend on the day it runs."""

    calendar: Any
    today: date

    @classmethod
    def of(cls, day: date | str, region: str | None = None) -> FrozenCalendar:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        return cls(calendars.china(region), day)

    @property
    def now(self) -> datetime:
        return datetime.combine(self.today, HOUR, calendars.HALL_TZ)

    def due(self, limit: Any, start: date | datetime | None = None) -> Any:
        """The Deadline (``when``, ``provisional_years``) of ``limit`` (a TimeLimit or
        ``{"working_days": 5}``) counted from ``start`` (default: now)."""
        limit = limit if isinstance(limit, TimeLimit) else TimeLimit.model_validate(limit)
        return self.calendar.due(self.now if start is None else start, limit)

    def __getattr__(self, name: str) -> Any:  # is_working_day, add_working_days, ...
        return getattr(self.calendar, name)


def id_number(n: int = 1, area: str = "510903", born: str = "19800101") -> str:
    """A valid resident ID number (GB 11643), the ``n``-th of an area and birthday."""
    first = f"{area}{born}{n % 1000:03d}"
    return first + id_check_char(first)


def credit_code(n: int = 1, area: str = "510900") -> str:
    """A valid unified social credit code (GB 32100) of a company (91) in ``area``."""
    first = f"91{area}MA{n % 10**7:07d}"
    return first + credit_check_char(first)


class CaseBuilder:
    """Applications for catalogue items, with every material handed in unless said missing."""

    def __init__(self, clock: FrozenCalendar):
        self.clock = clock

    def __call__(self, kernel: Any, *items: str, missing: tuple[str, ...] | list[str] = (),
                 applicant: str | dict[str, Any] = "organisation", **fields: Any
                 ) -> dict[str, Any]:
        resolved, _ = kernel.items.resolve(items)
        asked = {m.code for i in resolved
                 for m in kernel.items.asked(i, fields.get("agent") is not None).materials}
        unknown = sorted(set(missing) - asked)
        if unknown:
            raise ValueError(f"not materials of {', '.join(items)}: {', '.join(unknown)}")
        if applicant == "person":
            applicant = {"kind": "person", "name": "张三", "id_number": id_number()}
        elif applicant == "organisation":
            applicant = {"kind": "organisation", "name": "遂宁市测试有限公司",
                         "credit_code": credit_code()}
        return {"items": list(items), "applicant": applicant,
                "submitted_at": self.clock.now.isoformat(),
                "materials": sorted(asked - set(missing)), **fields}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    def __iter__(self) -> Any:  # status, body = api.get(...)
        return iter((self.status, self.body))


class LiveAPI:
    """The kernel's API on a real server (a free loopback port, its own event loop in a
    thread) and a client for it."""

    def __init__(self, kernel: Any, tokens: Any = ()):
        from aiohttp import ClientSession, web

        from kernel.http.app import create_app
        from kernel.http.auth import ServerConfig, TokenSpec

        config = ServerConfig(tokens=[TokenSpec.model_validate(t) for t in tokens])
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(create_app(kernel, config, sweep=False), access_log=None)
        self.thread = threading.Thread(target=self.loop.run_forever, name="onetrip-api",
                                       daemon=True)
        self.thread.start()

        async def start() -> tuple[str, Any]:
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            return f"http://127.0.0.1:{self.runner.addresses[0][1]}", ClientSession()

        self.url, self.session = self._run(start())

    def _run(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(120)

    def request(self, method: str, path: str, *, token: str | None = None,
                headers: dict[str, str] | None = None, **kw: Any) -> Answer:
        """``json=`` or ``data=`` as aiohttp takes them; the body comes back parsed."""
        headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}

        async def call() -> Answer:
            async with self.session.request(method, self.url + path, headers=headers,
                                            **kw) as resp:
                body = await (resp.json() if resp.content_type == "application/json"
                              else resp.text())
                return Answer(resp.status, body, dict(resp.headers))

        return self._run(call())

    def get(self, path: str, **kw: Any) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Answer:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Answer:
        return self.request("PUT", path, **kw)

    def close(self) -> None:
        self._run(self.session.close())
        self._run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(60)
        self.loop.close()


def conformance(name: str, plugin: Any, *others: tuple[str, Any], **kernel_kw: Any
                ) -> list[str]:
    """Every way ``plugin`` breaks the contract, on a kernel with it (and ``others``) alone:
    hooks (misspelt, unmarked), its catalogue (validated, implementation lists), its rules
    (lint errors), a case of each of its items evaluated without a plugin error, its routes
    (declarations under ``/v1/<name>/``), and records of a kind it does not own left alone."""
    from kernel.store import start_kernel

    problems = [f"hooks: {p}" for p in contract_problems(plugin)] + [
        f"hooks: {attr} looks like a hook but has no @hookimpl: the kernel never calls it"
        for attr, _ in inspect.getmembers(type(plugin), inspect.isfunction)
        if attr.startswith("onetrip_") and getattr(getattr(plugin, attr), "onetrip_impl",
                                                   None) is None]
    if problems:
        return problems
    with tempfile.TemporaryDirectory() as tmp:
        kernel_kw.setdefault("db_url", f"sqlite:///{tmp}/conformance.db")
        kernel_kw.setdefault("disabled", set())
        try:
            kernel = start_kernel(extra_plugins=[(name, plugin), *others], entry_points=False,
                                  **kernel_kw)
        except (PluginError, SourceError) as exc:
            return [f"start-up: {exc}"]
        try:
            return _started(name, kernel)
        finally:
            kernel.close()


def _started(name: str, kernel: Any) -> list[str]:
    from kernel.lint import lint
    from kernel.routes import Route

    mine = sorted(c for c, owner in kernel.items.owners.items() if owner == name)
    files = {kernel.items.sources.get(c, ("", 0))[0] for c in mine}
    dirs = [d for n, ds in kernel.rule_dirs_by_plugin() if n == name for d in ds]
    out = [f"rules: {d} is not a folder" for d in dirs if not d.is_dir()]
    out += [f"lint: {f}" for f in lint(kernel) if f.severity == "error" and (
        f.file in files or any(_under(f.file, d) for d in dirs))]
    build = CaseBuilder(FrozenCalendar.of(date.today()))
    for code in mine:
        decision, _ = kernel.evaluate(build(kernel, code))
        out += [f"enrich: item {code}: {f['message']}" for f in decision.flags
                if f.get("code") == "plugin_error"]
    routes = [(n, r) for n, rs in _call(kernel, "onetrip_web_routes", kernel=kernel)
              if n == name for r in rs or ()]
    out += [f"routes: {r!r} is not a kernel.routes.Route" for _, r in routes
            if not isinstance(r, Route)]
    out += [f"routes: {r.method} {r.path} is not under /v1/{name}/" for _, r in routes
            if isinstance(r, Route) and not r.path.startswith(f"/v1/{name}/")]
    if kernel.pm.hook.onetrip_load_records(kind="onetrip-no-such-kind", data={}) is not None:
        out.append("records: onetrip_load_records took records of a kind it does not own")
    return out


def _under(file: str, folder: Any) -> bool:
    from pathlib import Path

    return Path(file).resolve().is_relative_to(Path(folder).resolve())


def _call(started: Any, hook: str, **kw: Any) -> list[tuple[str, Any]]:
    from kernel.manager import call_each

    try:
        return call_each(started.pm, hook, **kw)
    except PluginError as exc:
        return [(exc.plugin, [f"{hook} failed: {exc.exc}"])]
