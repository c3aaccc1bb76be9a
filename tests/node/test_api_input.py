"""Admin API input the route framework refuses for every route: each a 400 naming the field, never a 500.

Integers beyond SQLite's signed 64 bits (query, path, body), JSON nested beyond any sane depth,
lone surrogates in any text (body at any depth, query, path), and a 405 that says what is allowed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest

from tests.conftest import call_api, run_cli

BIG = "99999999999999999999999"


def no_trace(caplog: pytest.LogCaptureFixture) -> None:
    """The node's log holds no traceback and no internal error for any of it."""
    bad = [r for r in caplog.records if r.exc_info or "internal error" in r.getMessage()]
    assert not bad, [r.getMessage() for r in bad]


def names(status: int, r: Any, name: str) -> None:
    assert status == 400, r
    assert f"'{name}'" in r["error"]["message"] and r["error"]["field"] == name, r
    assert "internal" not in r["error"]["message"]


async def raw(rn: Any, method: str, path: str, data: bytes | None = None) -> tuple[int, Any, Any]:
    headers = {"Authorization": f"Bearer {rn.token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as s:
        # encoded=True: the path and query go out byte for byte as written here
        async with s.request(method, aiohttp.client.URL(rn.api_url.rstrip("/") + path, encoded=True), data=data, headers=headers) as r:
            text = await r.text()
            return r.status, json.loads(text), r.headers


async def test_integers_beyond_sqlite_in_query_and_path(make_node, caplog) -> None:
    caplog.set_level(logging.INFO)
    rn = await make_node()
    for path, name in (
        ("/api/log", "limit"),
        ("/api/log", "offset"),
        ("/api/das/entries", "limit"),
        ("/api/das/entries", "offset"),
        ("/api/das/statements", "limit"),
        ("/api/das/statements", "offset"),
    ):
        for value in (BIG, "-" + BIG):
            names(*await call_api(rn, "GET", path, **{name: value}), name)
    for method, path, name in (
        ("GET", f"/api/das/statements/{BIG}", "number"),
        ("GET", f"/api/das/projects/{BIG}", "id"),
        ("GET", f"/api/das/contracts/{BIG}", "no"),
        ("POST", f"/api/das/entries/{BIG}/validate", "id"),
        ("GET", f"/api/das/statements/{BIG}/proof", "number"),
        ("GET", "/api/das/projects/x1", "id"),
    ):
        names(*await call_api(rn, method, path, {} if method == "POST" else None), name)
    # in a body, at the top or deep inside a free-form map
    names(*await call_api(rn, "POST", "/api/das/entries", {"person": "p", "project": 2**70, "date": "2026-01-01", "minutes": 1}), "project")
    status, r = await call_api(rn, "POST", "/api/publish", {"kind": "review.publish", "body": {"scores": {"a": [2**64]}}})
    assert status == 400 and r["error"]["field"] == "body.scores.a[0]", r
    # the same numbers within range go through to the area, which answers as before
    assert (await call_api(rn, "GET", "/api/das/contracts/9223372036854775807"))[0] == 404
    assert (await call_api(rn, "GET", "/api/log", limit="9223372036854775807"))[0] == 200
    no_trace(caplog)


async def test_cli_says_which_option_is_out_of_range(make_node, caplog) -> None:
    caplog.set_level(logging.INFO)
    rn = await make_node()
    d = str(rn.config.data_dir)
    for argv, name in (
        (("log", "--limit", BIG), "limit"),
        (("log", "--offset", BIG), "offset"),
        (("das", "entry", "list", "--limit", BIG), "limit"),
        (("das", "statements", "--offset", BIG), "offset"),
        (("das", "statement", "--number", BIG), "number"),
        (("das", "project", "show", BIG), "id"),
        (("das", "contract", "show", BIG), "no"),
        (("das", "entry", "validate", BIG), "id"),
    ):
        rc, out, err = await run_cli(*argv, "--data", d)
        assert rc != 0, (argv, out)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and f"'{name}' must be at most" in lines[0], (argv, err)
        assert "internal" not in err and "Traceback" not in err
    no_trace(caplog)


async def test_deeply_nested_json(make_node, caplog) -> None:
    caplog.set_level(logging.INFO)
    rn = await make_node()
    deep = b"[" * 100_000 + b"]" * 100_000
    for path in ("/api/das/employers", "/api/publish", "/api/pacte"):
        status, r, _ = await raw(rn, "POST", path, deep)
        assert status == 400 and r["error"]["code"] == "too_deep" and "nested" in r["error"]["message"], r
    # deep enough to pass the parser, still refused before any recursive code sees it
    body = b'{"kind": "review.publish", "body": {"scores": ' + b"[" * 900 + b"]" * 900 + b"}}"
    status, r, _ = await raw(rn, "POST", "/api/publish", body)
    assert status == 400 and r["error"]["code"] == "too_deep" and r["error"]["field"] == "body", r
    status, r, _ = await raw(rn, "POST", "/api/das/employers", b'{"name": NaN, "kind": "private"}')
    assert status == 400 and r["error"]["code"] == "invalid_json", r
    no_trace(caplog)


async def test_lone_surrogates_anywhere(make_node, caplog) -> None:
    caplog.set_level(logging.INFO)
    rn = await make_node()
    status, r, _ = await raw(rn, "POST", "/api/das/employers", b'{"name": "acme \\ud800", "kind": "private"}')
    names(status, r, "name")
    status, r, _ = await raw(rn, "POST", "/api/publish", b'{"kind": "review.publish", "body": {"scores": {"x": ["ok", "\\udfff"]}}}')
    assert status == 400 and r["error"]["field"] == "body.scores.x[1]", r
    status, r, _ = await raw(rn, "POST", "/api/publish", b'{"kind": "review.publish", "body": {"\\ud800": 1}}')
    assert status == 400 and "surrogate" in r["error"]["message"], r
    # a URL can only carry \ud800 as its (invalid) UTF-8 bytes, which must not become U+FFFD quietly
    status, r, _ = await raw(rn, "GET", "/api/das/persons?status=%ED%A0%80")
    names(status, r, "status")
    status, r, _ = await raw(rn, "GET", "/api/das/persons/p%ED%A0%80")
    names(status, r, "ref")
    # a surrogate pair (one astral character) is text like any other
    status, r, _ = await raw(rn, "POST", "/api/das/employers", b'{"name": "acme \\ud83d\\ude00", "kind": "private"}')
    assert status == 200, r
    no_trace(caplog)


async def test_every_405_says_what_is_allowed(make_node) -> None:
    rn = await make_node()
    status, r, headers = await raw(rn, "DELETE", "/api/log")
    assert status == 405 and headers["Allow"] == "GET" and "GET" in r["error"]["message"], (r, dict(headers))
    _, doc = await call_api(rn, "GET", "/api/openapi.json")
    for path, ops in doc["paths"].items():
        concrete = path.replace("{action}", "accept")
        for part in ("{id}", "{no}", "{number}", "{ref}", "{username}"):
            concrete = concrete.replace(part, "1")
        status, r, headers = await raw(rn, "PUT", concrete)
        assert status == 405, (path, r)
        assert set(headers["Allow"].split(",")) >= {m.upper() for m in ops}, (path, dict(headers))


async def _raw_request(rn: Any, head: bytes) -> tuple[int, Any]:
    """One HTTP/1.1 request written byte for byte on a socket: clients refuse to send non-UTF-8 headers."""
    import asyncio

    host, port = aiohttp.client.URL(rn.api_url).host, aiohttp.client.URL(rn.api_url).port
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(b"GET /api/status HTTP/1.1\r\nConnection: close\r\n" + head + b"\r\n")
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body) if body.startswith(b"{") else body


async def test_a_non_utf8_bearer_token_is_a_401_not_a_500(make_node, caplog) -> None:
    caplog.set_level(logging.INFO)
    rn = await make_node()
    host = f"Host: {aiohttp.client.URL(rn.api_url).host}:{aiohttp.client.URL(rn.api_url).port}\r\n".encode()
    for token in (b"\xff", rn.token.encode() + b"\xff", b"\xc3\xa9t\xc3\xa9", rn.token.encode()[:-1] + b"\xff"):
        status, r = await _raw_request(rn, host + b"Authorization: Bearer " + token + b"\r\n")
        assert status == 401 and r["error"]["code"] == "unauthorized", (token, r)
    status, r = await _raw_request(rn, host + b"Authorization: Bearer " + rn.token.encode() + b"\r\n")
    assert status == 200, r
    no_trace(caplog)
