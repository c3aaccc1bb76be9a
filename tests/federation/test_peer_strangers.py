"""What a key made up for the occasion can make a node of a network do (a retired key: see
test_network_rotation):
no budget of its own, no trusted address, no large body read, and every byte charged to where it
came from; bodies being received are bounded in all and per address (review of issue #10)."""

from __future__ import annotations

import asyncio
import secrets

from federation.peer.state import BUDGETS
from node import keys
from protocol import encoding
from protocol.httpsig import sign_request
from protocol.identity import Identity
from tests.federation.netutil import fed, make_network
from tests.federation.test_peer_hardening import ATTACKER_ADDR, _head, post

STRANGER = Identity(bytes([21]) * 32)


def signed(who: Identity, path: str, body: bytes, now: int) -> dict[str, str]:
    return sign_request(who, "POST", path, body, now, secrets.token_bytes(16))


async def network_node(make_node, tmp_path, **federation):
    net, (da, db) = make_network(tmp_path, ["A", "B"])
    a = await make_node(data=da, federation=fed(net, gossip_interval_s=30.0, **federation))
    return a, keys.load_key(db)


async def test_a_made_up_key_gets_no_budget_no_trust_and_no_large_body_read(make_node, tmp_path) -> None:
    a, member = await network_node(make_node, tmp_path)
    limits = a.app[BUDGETS]
    path = "/fed/v1/heads"
    big = b"\xdd" + (8_000_000).to_bytes(4, "big") + b"\x80" * 8_000_000  # 8 M empty maps: 600 MB once decoded
    status, err = await post(a.peer_url, path, big, signed(STRANGER, path, big, a.node.clock()), source=ATTACKER_ADDR)
    assert status in (0, 403)  # refused on its headers, the body never read (nor decoded)
    assert limits.per_address[ATTACKER_ADDR].bytes >= len(big)  # charged to where it came from
    small = encoding.encode({})
    for _ in range(3):
        who = Identity(secrets.token_bytes(32))  # a fresh key each time: it cannot reset anything
        status, err = await post(a.peer_url, path, small, signed(who, path, small, a.node.clock()), source=ATTACKER_ADDR)
        assert status == 403 and err["error"]["code"] == "not_member"  # type: ignore[index]
    assert not limits.per_peer and not limits.proven and not limits.proven_addresses
    assert limits.per_address[ATTACKER_ADDR].requests == 4
    # the candidate that knocked (signature valid) is known by its key; the address is not trusted
    assert a.node.callers()[-1] != STRANGER.public_key and len(a.node.callers()) == 1
    status, answer = await post(a.peer_url, path, small, signed(member, path, small, a.node.clock()))
    assert status == 200 and limits.proven_addresses and member.public_key in limits.per_peer


async def test_bodies_being_received_are_bounded_and_chunked_bodies_refused(make_node, tmp_path) -> None:
    a, member = await network_node(make_node, tmp_path)
    limits = a.app[BUDGETS]
    limits.max_inflight_per_address = 10_000
    path = "/fed/v1/heads"
    body = encoding.encode({"pad": b"x" * 20_000})
    status, err = await post(a.peer_url, path, body, signed(member, path, body, a.node.clock()))
    assert status == 503 and err["error"]["code"] == "busy"  # type: ignore[index]
    assert limits.inflight_total == 0 and not limits.inflight  # every reservation released
    port = int(a.peer_url.rsplit(":", 1)[1])
    r, w = await asyncio.open_connection("127.0.0.1", port)
    h = signed(member, path, b"", a.node.clock())
    head = "\r\n".join([f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked", *[f"{k}: {v}" for k, v in h.items()]])
    w.write(head.encode() + b"\r\n\r\n0\r\n\r\n")
    await w.drain()
    answer = await asyncio.wait_for(r.read(4096), 5)
    w.close()
    assert b" 411 " in answer.split(b"\r\n", 1)[0]


async def test_a_sender_leaving_mid_body_is_charged_what_it_sent(make_node, tmp_path) -> None:
    a, member = await network_node(make_node, tmp_path)
    limits = a.app[BUDGETS]
    port = int(a.peer_url.rsplit(":", 1)[1])
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(_head("/fed/v1/heads", 50_000, signed(member, "/fed/v1/heads", b"y" * 50_000, a.node.clock())) + b"y" * 30_000)
    await w.drain()
    await asyncio.sleep(0.2)
    w.close()
    for _ in range(100):
        b = limits.per_address.get("127.0.0.1")
        if b is not None and b.bytes >= 30_000:
            break
        await asyncio.sleep(0.05)
    assert limits.per_address["127.0.0.1"].bytes >= 30_000
    assert limits.inflight_total == 0


async def test_malformed_requests_that_differ_are_still_one_line(make_node, caplog) -> None:
    """The reason is logged without the sender's bytes, so varied garbage cannot grow the log."""
    import logging

    from tests.federation.test_peer_hardening import _closed_within

    caplog.set_level(logging.INFO)
    a = await make_node("A")
    port = int(a.peer_url.rsplit(":", 1)[1])
    for i in range(5):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(f"GET /{i}{'a' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await w.drain()
        await _closed_within(r, 10)
        w.close()
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "aiohttp.server"]
    assert len(lines) == 1 and "aaa" not in lines[0], lines


def test_budget_tables_forget_from_the_front() -> None:
    from federation.peer import server

    budgets: dict = {}
    for i in range(server.MAX_BUDGETS + 5):
        server._window(budgets, f"k{i}", i, 10**9)
    assert len(budgets) <= server.MAX_BUDGETS + 1
    assert "k0" not in budgets and f"k{server.MAX_BUDGETS + 4}" in budgets  # the oldest went first
    server._window(budgets, "late", 10**10, 1000)  # every other window has expired by then
    assert list(budgets) == ["late"] or len(budgets) <= server.MAX_BUDGETS + 1
