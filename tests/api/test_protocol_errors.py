"""Requests aiohttp cannot read as HTTP get the one JSON error body too, never plain text."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

RAW = {
    "not http": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
    "bad method": b"G\x00T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "bad version": b"GET / HTTP/9.Z\r\nHost: 127.0.0.1\r\n\r\n",
    "no target": b"GET HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "header without colon": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nnocolon\r\n\r\n",
    "space before colon": b"GET /healthz HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n",
    "header too long": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: "
                       + b"a" * 20_000 + b"\r\n\r\n",
    "request line too long": b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "two lengths": b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
                   b"Content-Length: 3\r\n\r\n{}",
    "bad length": b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
    "bad chunk": b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "nul in header": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x00b\r\n\r\n",
    "id number in the line": b"GET /\x01110105194912310021 HTTP/1.1\r\nHost: x\r\n\r\n",
}


def exchange(url: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize("name", RAW)
def test_what_aiohttp_cannot_read_is_a_json_400(live_api, name):
    status, headers, body = exchange(live_api.url, RAW[name])
    assert status == 400, (name, status, body[:200])
    assert headers["content-type"].startswith("application/json"), (name, headers)
    err = json.loads(body)["error"]
    assert {"code", "message", "field"} <= err.keys() and err["code"] == "bad_request", err
    assert b"1101051949" not in body and b"aaaa" not in body  # the input is not echoed
