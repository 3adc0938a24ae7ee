"""Cross-site requests: a web page the browser is showing must not act on the API for it."""

from __future__ import annotations

import asyncio
import json

from aiohttp.test_utils import TestClient, TestServer
from casekit import application

from kernel.http.app import create_app
from kernel.http.auth import ServerConfig, TokenSpec

CLERK = "clerk-token-0123456789"
TOKENS = ServerConfig(tokens=[TokenSpec(token=CLERK, role="admin")])
BODY = json.dumps(application())
# What a page may send to another site without the browser asking first (no CORS preflight).
SIMPLE = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")


def call(kernel, steps, config=None):
    async def main():
        async with TestClient(TestServer(create_app(kernel, config, sweep=False))) as client:
            return await steps(client)

    return asyncio.run(main())


async def stored(c, headers=None) -> int:
    return len((await (await c.get("/v1/cases", headers=headers)).json())["cases"])


def test_without_tokens_foreign_origins_and_non_json_bodies_are_refused(kernel):
    async def steps(c):
        own = f"http://127.0.0.1:{c.port}"
        for ctype in SIMPLE:
            resp = await c.post("/v1/cases", data=BODY, headers={"Content-Type": ctype})
            assert (resp.status, (await resp.json())["error"]["code"]) == (
                415, "unsupported_media_type")
        for origin in ("http://evil.example", "null", f"http://localhost:{c.port}",
                       f"http://127.0.0.1:{c.port + 1}", f"https://127.0.0.1:{c.port}x"):
            resp = await c.post("/v1/cases", data=BODY, headers={
                "Content-Type": "application/json", "Origin": origin})
            assert (resp.status, (await resp.json())["error"]["code"]) == (403, "cross_site")
            assert (await c.get("/v1/cases", headers={"Origin": origin})).status == 403
        rebound = await c.post("/v1/cases", data=BODY, headers={
            "Content-Type": "application/json", "Host": f"evil.example:{c.port}",
            "Origin": f"http://evil.example:{c.port}"})
        assert rebound.status == 403  # DNS rebinding: the page's own name for loopback
        put = await c.put("/v1/rulesets/natural_resources.x", data=b"ruleset: x\n",
                          headers={"Content-Type": "text/plain"})
        chase = await c.post("/v1/oa/chase", data=b"{}", headers={"Content-Type": "text/plain"})
        assert (put.status, chase.status) == (415, 415)
        assert await stored(c) == 0
        ok = await c.post("/v1/cases", data=BODY, headers={
            "Content-Type": "application/json", "Origin": own})
        assert ok.status == 201 and (await c.post("/v1/cases", json=application())).status == 201
        assert await stored(c) == 2

    call(kernel, steps)


def test_with_tokens_a_token_is_required_and_bodies_are_json(kernel):
    auth = {"Authorization": f"Bearer {CLERK}"}

    async def steps(c):
        for ctype in SIMPLE:
            resp = await c.post("/v1/cases", data=BODY, headers={**auth, "Content-Type": ctype})
            assert resp.status == 415
        foreign = await c.post("/v1/cases", data=BODY, headers={
            **auth, "Content-Type": "application/json", "Origin": "http://evil.example"})
        assert foreign.status == 201  # a page cannot attach the token: the origin is moot
        unauthenticated = await c.post("/v1/cases", data=BODY, headers={
            "Content-Type": "application/json", "Origin": "http://evil.example"})
        assert unauthenticated.status == 401
        assert await stored(c, auth) == 1

    call(kernel, steps, TOKENS)
