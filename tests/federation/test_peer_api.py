"""The peer API refuses bad input before doing work, with one error shape, and stores nothing."""

from __future__ import annotations

import secrets
import shutil

import aiohttp
import pytest
from aiohttp import web

from federation.peer.peering import client_for, sync_round
from protocol import encoding
from protocol.httpsig import sign_request
from protocol.identity import Identity

CALLER = Identity(bytes([5]) * 32)


MSGPACK = "application/msgpack"


async def post(url: str, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    # as nodes call: saying they read refusals in msgpack (older callers get JSON, tested below)
    async with aiohttp.ClientSession() as s, s.post(url + path, data=body, headers={"Accept": MSGPACK, **(headers or {})}) as r:
        data = await r.read()
        assert r.content_type == "application/msgpack"  # answers and refusals alike
        return r.status, encoding.decode(data)


def signed(path: str, body: bytes, now: int, nonce: bytes | None = None) -> dict[str, str]:
    return sign_request(CALLER, "POST", path, body, now, nonce or secrets.token_bytes(16))


async def test_error_codes_and_shape(make_node) -> None:
    a = await make_node("A")
    url, now = a.peer_url, a.node.clock()
    body = encoding.encode({})
    status, err = await post(url, "/fed/v1/heads", body)
    assert status == 401 and err["error"]["code"] == "bad_request_signature"
    h = signed("/fed/v1/heads", body, now)
    assert (await post(url, "/fed/v1/heads", body, h))[0] == 200
    status, err = await post(url, "/fed/v1/heads", body, h)
    assert status == 401 and err["error"]["code"] == "replayed_request"
    status, err = await post(url, "/fed/v1/heads", body, signed("/fed/v1/heads", body, now - 3_600_000))
    assert status == 401 and err["error"]["code"] == "stale_request"
    bad = b"\xd0\x01"
    status, err = await post(url, "/fed/v1/heads", bad, signed("/fed/v1/heads", bad, now))
    assert status == 400 and err["error"]["code"] == "not_canonical"
    trunc = encoding.encode({"author": bytes(32), "start": 1})[:-2]
    status, err = await post(url, "/fed/v1/records", trunc, signed("/fed/v1/records", trunc, now))
    assert status == 400 and err["error"]["code"] == "malformed"
    wrong = encoding.encode({"author": b"short", "start": 1})
    status, err = await post(url, "/fed/v1/records", wrong, signed("/fed/v1/records", wrong, now))
    assert status == 400 and "author" in err["error"]["message"]
    # a route that does not exist, signed: refused in the peer API's one format, not aiohttp's text
    status, err = await post(url, "/fed/v1/nope", body, signed("/fed/v1/nope", body, now))
    assert status == 404 and err["error"]["code"] == "not_found"
    # a caller of an earlier version (no Accept: application/msgpack) reads its refusals in JSON
    async with aiohttp.ClientSession() as s, s.post(url + "/fed/v1/heads", data=body) as r:
        assert r.status == 401 and r.content_type == "application/json"
        assert (await r.json())["error"]["code"] == "bad_request_signature"
    h = sign_request(CALLER, "GET", "/fed/v1/heads", b"", now, secrets.token_bytes(16))
    async with aiohttp.ClientSession() as s, s.get(url + "/fed/v1/heads", headers={"Accept": MSGPACK, **h}) as r:
        assert r.status == 405 and r.headers["Allow"] == "POST" and r.content_type == "application/msgpack"
        assert encoding.decode(await r.read())["error"]["code"] == "method_not_allowed"


async def test_body_over_the_limit_is_refused_before_decoding(make_node) -> None:
    a = await make_node("A", federation={"max_body_bytes": 65536})
    exact = b"\x00" * 65536
    big = b"\x00" * 65537
    status, err = await post(a.peer_url, "/fed/v1/heads", big, signed("/fed/v1/heads", big, a.node.clock()))
    assert status == 413 and err["error"]["code"] == "too_large"
    status, err = await post(a.peer_url, "/fed/v1/heads", exact, signed("/fed/v1/heads", exact, a.node.clock()))
    assert status == 400  # within the limit: it reaches the decoder, which refuses it


async def test_admin_api_is_not_served_on_the_peer_port(make_node, api) -> None:
    a = await make_node("A")
    async with aiohttp.ClientSession() as s:
        async with s.get(a.peer_url + "/api/status", headers={"Authorization": f"Bearer {a.token}"}) as r:
            assert r.status == 404
    status, err = await api(a, "GET", "/api/status", token="wrong")
    assert status == 401 and err["error"]["code"] == "unauthorized"
    status, doc = await api(a, "GET", "/api/openapi.json")
    assert status == 200 and "/api/status" in doc["paths"] and "/api/sync" in doc["paths"]


async def test_a_peer_that_is_down_or_answers_garbage(make_node, unused_tcp_port_factory) -> None:
    b = await make_node("B")
    down = f"http://127.0.0.1:{unused_tcp_port_factory()}"
    junk_app = web.Application()

    async def junk(request: web.Request) -> web.Response:
        return web.Response(body=b"\xc1 not msgpack", content_type="application/msgpack")

    junk_app.router.add_post("/fed/v1/info", junk)
    runner = web.AppRunner(junk_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    junk_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        for url in (down, junk_url):
            await b.node.peers.upsert(url, None, "", b.node.clock())
        before = await b.node.logs.heads()
        reports = {r.url: r for r in await sync_round(b.node, b.session)}
        assert reports[down].error_code == "peer_unreachable"
        assert reports[junk_url].error_code == "peer_bad_response" and "garbage" in reports[junk_url].error
        assert await b.node.logs.heads() == before
        peers = {p.url: p for p in await b.node.peers.all()}
        assert peers[down].failures == 1 and peers[down].next_try > b.node.clock()
        assert peers[junk_url].score < 100
    finally:
        await runner.cleanup()


async def test_a_cloned_key_that_rewrites_its_log_is_caught(make_node, tmp_path) -> None:
    a = await make_node("A")
    b = await make_node("B")
    await a.node.publish("note", {"text": "bonjour de A"})
    clone_dir = tmp_path / "clone"
    clone_dir.mkdir()
    for name in ("node.key", "api.token"):
        shutil.copy(a.config.data_dir / name, clone_dir / name)
    (clone_dir / "node.toml").write_text('[node]\nname = "A"\nlisten = "127.0.0.1:0"\n')
    clone = await make_node(data=clone_dir)
    await clone.node.publish("note", {"text": "autre histoire"})
    for peer in (a, clone):
        await b.node.peers.upsert(peer.peer_url, peer.node.public_key, "A", b.node.clock())
    await sync_round(b.node, b.session)
    proofs = await b.node.fork_proofs()
    assert len(proofs) == 1 and proofs[0].author == a.node.public_key
    head = await b.node.logs.head(a.node.public_key)
    assert head is not None and head.frozen
    # the proof reaches A itself through B, and A learns its key was cloned
    await a.node.peers.upsert(b.peer_url, b.node.public_key, "B", a.node.clock())
    await sync_round(a.node, a.session)
    assert len(await a.node.fork_proofs()) == 1


@pytest.mark.parametrize("page_size", [1, 7])
async def test_sync_pulls_in_pages_and_verifies_the_checkpoint(make_node, page_size) -> None:
    a = await make_node("A")
    b = await make_node("B", federation={"page_size": page_size})
    for i in range(20):
        await a.node.publish("note", {"text": f"n{i}"})
    client = client_for(b.node, b.session, a.peer_url)
    from federation.peer.sync import sync_with

    report = await sync_with(b.node, client)
    assert report.pulled == 21 and report.checkpoints == 1
    cp = await b.node.logs.latest_checkpoint(a.node.public_key)
    assert cp is not None and cp.size == 21 and cp.root == await a.node.root_at(a.node.public_key, 21)
    again = await sync_with(b.node, client)
    assert again.pulled == 0
