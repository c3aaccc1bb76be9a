"""One error tree: every exception of protocol/, node/ and federation/ derives from DemociteError and
carries a code; every code has an HTTP status at both edges; a peer's faults are typed as remote."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from federation.errors import FederationError, PeerMisbehaved, PeerRefused, RemoteError, peer_data
from federation.peer.client import PeerClient
from federation.peer.server import PEER_STATUS
from node.api.framework import ADMIN_STATUS
from protocol.errors import DemociteError, ErrorCode, ProtocolError, RecordError
from protocol.identity import Identity

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("protocol", "node", "federation")


def _modules_defining_classes() -> list[str]:
    """Every module of the three packages with a class statement (found by reading the source, so
    a module nobody imports yet is still walked)."""
    found = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(isinstance(n, ast.ClassDef) for n in ast.walk(tree)):
                rel = path.relative_to(ROOT).with_suffix("")
                parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
                found.append(".".join(parts))
    return found


# Not errors: the simulation's crash signal is a BaseException so that no `except Exception` of the
# real code can catch it (like KeyboardInterrupt); it never reaches an HTTP edge.
NOT_ERRORS = {"federation.sim.net.Crashed"}


def _exception_classes() -> list[type[BaseException]]:
    out = []
    for name in _modules_defining_classes():
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == name and issubclass(obj, BaseException) and f"{name}.{obj.__qualname__}" not in NOT_ERRORS:
                out.append(obj)
    return out


def test_every_exception_derives_from_the_root_and_has_a_code() -> None:
    classes = _exception_classes()
    assert len(classes) >= 25  # the walk found the tree (25 classes today), not an empty list
    for cls in classes:
        assert issubclass(cls, DemociteError), f"{cls.__module__}.{cls.__qualname__} is outside the tree"
        if cls is DemociteError:
            continue
        assert isinstance(getattr(cls, "code", None), StrEnum), f"{cls.__qualname__} has no StrEnum code"
        assert not hasattr(cls, "status"), f"{cls.__qualname__} carries an HTTP status: the edge picks it"


def test_every_code_has_a_status_at_both_http_edges() -> None:
    enums = {type(cls.code) for cls in _exception_classes() if cls is not DemociteError}
    assert {e.__name__ for e in enums} >= {"ErrorCode", "NodeErrorCode", "FedErrorCode"}
    for enum in enums:
        for code in enum:
            for edge, table in (("admin", ADMIN_STATUS), ("peer", PEER_STATUS)):
                assert code in table, f"{enum.__name__}.{code.name} has no status at the {edge} edge"
                assert 400 <= table[code] <= 599
    # a few statuses clients rely on
    assert ADMIN_STATUS["forbidden"] == 403 and ADMIN_STATUS["frozen"] == 409 and ADMIN_STATUS["not_found"] == 404
    assert PEER_STATUS["replayed_request"] == 401 and PEER_STATUS["fork"] == 409 and PEER_STATUS["too_large"] == 413
    assert ADMIN_STATUS["fork"] == 400  # at the admin edge a protocol error is the request's fault


def test_peer_data_turns_a_protocol_error_into_the_peers_fault() -> None:
    with pytest.raises(PeerMisbehaved) as exc, peer_data("http://127.0.0.1:1", "sent an invalid record"):
        raise RecordError("record belongs to another network", ErrorCode.WRONG_NETWORK)
    assert exc.value.message == "peer http://127.0.0.1:1 sent an invalid record: record belongs to another network"
    assert isinstance(exc.value, RemoteError) and exc.value.code == "peer_misbehaved"
    with pytest.raises(RemoteError) as bad, peer_data("http://127.0.0.1:1", "answered garbage", RemoteError):
        raise ProtocolError("truncated")
    assert type(bad.value) is RemoteError and bad.value.code == "peer_bad_response"
    with pytest.raises(KeyError), peer_data("http://127.0.0.1:1", "sent bad heads"):
        raise KeyError("ours")  # not protocol data: not the peer's fault, not converted


def _client(url: str, session: aiohttp.ClientSession, clock: Callable[[], int] = lambda: 1_700_000_000_000) -> PeerClient:
    return PeerClient(session, Identity(bytes([9]) * 32), url, clock)


async def test_a_refusal_is_msgpack_and_typed_as_the_peers(make_node) -> None:
    a = await make_node("A")
    async with aiohttp.ClientSession() as s:
        with pytest.raises(PeerRefused) as exc:
            await _client(a.peer_url, s, a.node.clock).post("/fed/v1/reconcile", {"x": 1})
    assert exc.value.peer_code == "malformed" and exc.value.code == "peer_refused"
    assert isinstance(exc.value, RemoteError) and exc.value.message.endswith("refused: a reconcile request is {m: bytes}")


async def test_a_json_refusal_from_a_peer_on_the_previous_version_is_still_read(aiohttp_server) -> None:
    old = web.Application()

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"error": {"code": "not_member", "message": "ask the members"}}, status=403)

    old.router.add_post("/fed/v1/heads", refuse)
    url = str((await aiohttp_server(old)).make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as s:
        with pytest.raises(FederationError) as exc:
            await _client(url, s).heads()
    assert isinstance(exc.value, PeerRefused) and exc.value.peer_code == "not_member"
    assert exc.value.message.endswith("refused: ask the members")


async def test_an_error_body_nested_too_deep_is_an_http_status_not_a_recursion_error(aiohttp_server) -> None:
    """A peer (or a node asked for its export) answering an error with 200 KB of brackets: json's
    parser would recurse past Python's limit; the refusal keeps the HTTP status instead."""
    import asyncio

    from federation.commands.bundle_fetch import fetch_bundle

    deep = web.Application()

    async def refuse(request: web.Request) -> web.Response:
        return web.Response(body=b"[" * 100_000 + b"]" * 100_000, status=403, content_type="application/json")

    deep.router.add_post("/fed/v1/heads", refuse)
    deep.router.add_get("/api/audit/export", refuse)
    url = str((await aiohttp_server(deep)).make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as s:
        with pytest.raises(FederationError) as exc:
            await _client(url, s).heads()
    with pytest.raises(FederationError) as fetched:
        await asyncio.to_thread(fetch_bundle, url + "/api/audit/export", None, 10.0)
    assert isinstance(exc.value, PeerRefused) and exc.value.message.endswith("refused: HTTP 403")
    assert fetched.value.message == "the node refused the export: HTTP 403"
