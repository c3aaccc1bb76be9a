"""Denial of service without a signature (issue #10, items 1-3): what a stranger can make the
peer socket do before proving a key is bounded, and honest members keep being served."""

from __future__ import annotations

import asyncio
import logging
import resource
import secrets

import aiohttp
import pytest

from federation.peer.connections import CONNECTIONS, RepeatFilter, address_key, connection_cap
from federation.peer.state import BUDGETS
from node import config as config_mod
from node.errors import ConfigError
from protocol import encoding
from protocol.httpsig import sign_request
from protocol.identity import Identity

MEMBER = Identity(bytes([11]) * 32)
STRANGER = Identity(bytes([12]) * 32)
ATTACKER_ADDR = "127.0.0.2"  # another loopback source: budgets and caps are per source address


async def post(url: str, path: str, body: bytes, headers: dict[str, str], source: str = "127.0.0.1") -> tuple[int, object]:
    """Status and answer; status 0 when the node closed the connection without answering."""
    conn = aiohttp.TCPConnector(local_addr=(source, 0), force_close=True)
    try:
        async with aiohttp.ClientSession(connector=conn) as s, \
                s.post(url + path, data=body, headers={"Accept": "application/msgpack", **headers}) as r:
            data = await r.read()
            return r.status, encoding.decode(data)  # refusals are msgpack too
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
        return 0, None


def signed(who: Identity, path: str, body: bytes, now: int) -> dict[str, str]:
    return sign_request(who, "POST", path, body, now, secrets.token_bytes(16))


def forged(path: str, now: int, key: Identity = MEMBER) -> dict[str, str]:
    """Well-formed, fresh signature headers naming `key`, signed over another body."""
    return sign_request(key, "POST", path, b"another body", now, secrets.token_bytes(16))


async def test_a_badly_signed_big_body_is_refused_without_being_decoded(make_node) -> None:
    a = await make_node("A")
    url, now = a.peer_url, a.node.clock()
    junk = b"\xc1" * (3 * 1024 * 1024)  # 0xc1 is never valid msgpack: decoding it first would say so
    status, err = await post(url, "/fed/v1/heads", junk, forged("/fed/v1/heads", now))
    assert status == 401 and err["error"]["code"] == "bad_request_signature"  # type: ignore[index]
    status, err = await post(url, "/fed/v1/heads", junk, {})
    assert status == 401 and err["error"]["code"] == "bad_request_signature"  # type: ignore[index]
    # signed for real, the same junk reaches the decoder (in a worker thread), which refuses it
    status, err = await post(url, "/fed/v1/heads", junk, signed(MEMBER, "/fed/v1/heads", junk, now))
    assert status == 400 and err["error"]["code"] in ("malformed", "not_canonical")  # type: ignore[index]
    body = encoding.encode({})
    status, answer = await post(url, "/fed/v1/heads", body, signed(MEMBER, "/fed/v1/heads", body, a.node.clock()))
    assert status == 200 and "heads" in answer  # type: ignore[operator]


async def test_requests_naming_a_members_key_do_not_spend_its_budget(make_node) -> None:
    a = await make_node("A")
    limits = a.app[BUDGETS]
    limits.max_requests = limits.max_unverified_requests = 100
    url, path, body = a.peer_url, "/fed/v1/heads", encoding.encode({})

    async def member_call() -> int:
        return (await post(url, path, body, signed(MEMBER, path, body, a.node.clock())))[0]

    assert await member_call() == 200
    flood: list[int] = []
    for i in range(limits.max_requests + 50):
        unsigned = {"X-Democite-Key": MEMBER.public_key.hex()}
        headers = forged(path, a.node.clock()) if i % 2 else unsigned
        flood.append((await post(url, path, body, headers, source=ATTACKER_ADDR))[0])
        if i % 25 == 0:
            assert await member_call() == 200
    # the flood's own address pays: over its budget, its connections are closed as they come
    assert set(flood[:100]) == {401} and set(flood[100:]) == {0}
    assert await member_call() == 200
    # a flood from the member's own address (a NAT, one host) is refused, but not the member
    stranger = [(await post(url, path, body, forged(path, a.node.clock(), STRANGER)))[0] for _ in range(110)]
    assert stranger[0] == 401 and stranger[-1] == 429
    assert await member_call() == 200


async def test_a_flood_of_unsigned_requests_from_one_address_is_rate_limited(make_node) -> None:
    a = await make_node("A")
    a.app[BUDGETS].max_unverified_requests = 30
    statuses = [(await post(a.peer_url, "/fed/v1/heads", b"", {}, source=ATTACKER_ADDR))[0] for _ in range(40)]
    assert statuses[:30] == [401] * 30 and statuses[30:] == [0] * 10  # closed before any HTTP
    body = encoding.encode({})
    h = signed(MEMBER, "/fed/v1/heads", body, a.node.clock())
    assert (await post(a.peer_url, "/fed/v1/heads", body, h))[0] == 200  # another address is served


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sent before closing; fails if it keeps the connection open."""
    out = b""
    try:
        async with asyncio.timeout(seconds):
            while chunk := await reader.read(65536):
                out += chunk
    except ConnectionResetError:
        pass
    return out


def _head(path: str, length: int, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_slow_headers_and_stalled_bodies_are_cut(make_node) -> None:
    a = await make_node("A", federation={"header_timeout_s": 0.3, "body_timeout_s": 0.3})
    port = int(a.peer_url.rsplit(":", 1)[1])
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"POST /fed/v1/heads HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end of the headers
    await w.drain()
    assert await _closed_within(r, 10) == b""
    w.close()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(_head("/fed/v1/heads", 1000, forged("/fed/v1/heads", a.node.clock())) + b"x" * 10)
    await w.drain()
    answer = await _closed_within(r, 10)
    assert answer.startswith(b"HTTP/1.1 408") and b"body_timeout" in answer
    w.close()
    assert a.app[CONNECTIONS].timed_out >= 1
    body = encoding.encode({})
    assert (await post(a.peer_url, "/fed/v1/heads", body, signed(MEMBER, "/fed/v1/heads", body, a.node.clock())))[0] == 200


async def test_connections_over_the_cap_of_an_address_are_closed(make_node) -> None:
    a = await make_node("A", federation={"max_connections_per_address": 4, "header_timeout_s": 30.0})
    port = int(a.peer_url.rsplit(":", 1)[1])
    held = [await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER_ADDR, 0)) for _ in range(4)]
    try:  # the fifth is reset at once, before any request (sometimes before connect() returns)
        r, w = await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER_ADDR, 0))
        assert await _closed_within(r, 10) == b""
        w.close()
    except ConnectionResetError:
        pass
    conns = a.app[CONNECTIONS]
    assert conns.refused == 1 and conns.by_address[ATTACKER_ADDR] == 4
    body = encoding.encode({})  # another address still gets in
    assert (await post(a.peer_url, "/fed/v1/heads", body, signed(MEMBER, "/fed/v1/heads", body, a.node.clock())))[0] == 200
    for _, hw in held:
        hw.close()
    for _ in range(100):
        if ATTACKER_ADDR not in conns.by_address:
            break
        await asyncio.sleep(0.05)
    assert ATTACKER_ADDR not in conns.by_address  # closed connections give their place back


async def test_the_last_connections_are_kept_for_addresses_that_proved_a_key(make_node) -> None:
    a = await make_node("A", federation={"max_connections": 10, "max_connections_per_address": 10, "header_timeout_s": 30.0})
    port = int(a.peer_url.rsplit(":", 1)[1])
    body = encoding.encode({})

    async def member_call() -> int:
        return (await post(a.peer_url, "/fed/v1/heads", body, signed(MEMBER, "/fed/v1/heads", body, a.node.clock())))[0]

    assert await member_call() == 200  # 127.0.0.1 has proven a key
    held = [await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER_ADDR, 0)) for _ in range(9)]
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER_ADDR, 0))
        assert await _closed_within(r, 10) == b""
        w.close()
    except ConnectionResetError:
        pass
    assert a.app[CONNECTIONS].refused == 1 and a.app[CONNECTIONS].total == 9
    assert await member_call() == 200  # the reserved tenth
    for _, hw in held:
        hw.close()


async def test_a_client_leaving_mid_body_is_one_short_line(make_node, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    a = await make_node("A")
    port = int(a.peer_url.rsplit(":", 1)[1])
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(_head("/fed/v1/heads", 100_000, forged("/fed/v1/heads", a.node.clock())) + b"x" * 1000)
    await w.drain()
    await asyncio.sleep(0.1)
    w.close()
    for _ in range(100):
        if any("disconnected" in rec.getMessage() for rec in caplog.records):
            break
        await asyncio.sleep(0.05)
    lines = [rec for rec in caplog.records if "disconnected" in rec.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert not [rec for rec in caplog.records if rec.exc_info or rec.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


def test_identical_errors_are_logged_once_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    f = RepeatFilter(period_s=60.0, clock=lambda: now[0])
    log = logging.getLogger("democite.test.repeats")
    log.addFilter(f)
    try:
        with caplog.at_level(logging.ERROR, logger="democite.test.repeats"):
            for _ in range(500):
                try:
                    raise OSError(24, "Too many open files")
                except OSError:
                    log.exception("socket.accept() out of system resource")
            log.error("another problem")
            assert [r.getMessage() for r in caplog.records] == ["socket.accept() out of system resource", "another problem"]
            now[0] += 61
            log.error("socket.accept() out of system resource")
            last = caplog.records[-1]
            assert last.getMessage() == "socket.accept() out of system resource (repeated 499 times in the last 61 s)"
            assert last.exc_info is None
            for _ in range(3):
                log.error("socket.accept() out of system resource")
            f.flush(log)
            assert "repeated 3 times" in caplog.records[-1].getMessage()
            assert len(caplog.records) == 4
    finally:
        log.removeFilter(f)


def test_connection_options_are_validated(tmp_path) -> None:
    with pytest.raises(ConfigError, match="header_timeout_s"):
        config_mod.from_mapping(tmp_path, {"federation": {"header_timeout_s": 0}})
    with pytest.raises(ConfigError, match="max_connections_per_address"):
        config_mod.from_mapping(tmp_path, {"federation": {"max_connections": 10, "max_connections_per_address": 11}})
    assert connection_cap(10) == 10  # never above what the operator chose
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert connection_cap(10**9) <= max(soft - 128, 16)  # nor at the process's open-file limit
    cfg = config_mod.from_mapping(tmp_path, {})
    assert cfg.federation.body_timeout_s > 0 and cfg.federation.max_connections > cfg.federation.max_connections_per_address



async def test_malformed_http_is_one_short_line_without_traceback(make_node, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    a = await make_node("A")
    port = int(a.peer_url.rsplit(":", 1)[1])
    for _ in range(3):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"POST /fed/v1/heads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n")
        await w.drain()
        assert (await _closed_within(r, 10)).startswith(b"HTTP/1.0 400")
        w.close()
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "aiohttp.server"]
    assert len(lines) == 1 and lines[0].startswith("refused a malformed HTTP request (400: ")  # then counted
    assert "Traceback" not in caplog.text and "127.0.0.1" not in "".join(lines)


def test_addresses_are_grouped_by_what_one_sender_controls() -> None:
    assert address_key("192.0.2.7") == "192.0.2.7"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"
