"""Builds a running node: the aiohttp application, its two sockets, its resources and lifecycle.

The peer API listens on `node.listen`; the admin API on `api.listen` (loopback by default). Each
path family is only served on its own socket, so exposing the peer port never exposes /api/.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from federation.coop import routes as coop_routes
from federation.metrics import METRICS, Metrics, database_ready
from federation.network import routes as network_admin
from federation.network.keyrotation import finish_rotation
from federation.peer import routes as federation_admin
from federation.peer.connections import CONNECTIONS, Connections, GuardedSite, connection_cap, install_filter, remove_filter
from federation.peer.gossip import GOSSIP, Gossip
from federation.peer.server import add_peer_routes, address_barred, address_proven, peer_guard
from federation.peer.state import BUDGETS, NONCES, SESSION, SOCKETS, TRAFFIC, Budgets, Sockets, Traffic
from node import keys
from node.accounts.principal import Principal
from node.accounts.service import AccountService
from node.api import openapi
from node.api import routes as core_routes
from node.api.framework import ALLOWED_HOSTS, API_TOKEN, ERROR_CODE, NODE, TOKEN_LOOKUP, Route, add_routes, error_response, guard
from node.audit import routes as audit_routes
from node.config import NodeConfig
from node.errors import NodeError, NodeErrorCode
from node.genesis import genesis_for
from node.profile import ensure_profile
from node.service import Clock, Node, wall_clock_ms
from node.version import VERSION
from protocol.httpsig import NonceWindow
from protocol.network import Genesis

log = logging.getLogger("democite.node")
WEB_DOOR = web.AppKey("web_door", bool)  # set on the web door's application: its requests are counted as "web"
RUN_DIR = "run"
API_FILE = "api.json"
# served on the admin socket only, beside /api/: Prometheus' scrape and the service manager's probes
OPS_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})


def admin_routes() -> list[Route]:
    from node.accounts import routes as account_routes
    from node.das import routes as das_routes
    from node.pacte import routes as pacte_routes

    return [
        *core_routes.ROUTES,
        *account_routes.ROUTES,
        *federation_admin.ROUTES,
        *network_admin.ROUTES,
        *das_routes.ROUTES,
        *pacte_routes.ROUTES,
        *coop_routes.ROUTES,
        *audit_routes.ROUTES,
    ]


def _on_api_socket(request: web.Request) -> bool:
    socks = request.app[SOCKETS]
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    # the config refuses an admin address equal to the peer address, so the two never share a socket
    return sockname is not None and (sockname[0], sockname[1]) == (socks.api_host, socks.api_port)


@web.middleware
async def measured(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Count and time every request of both sockets by route pattern (never the path: it can hold
    a pseudonym), status and error code."""
    started, status, code = time.perf_counter(), 500, None
    try:
        response = await handler(request)
        status, code = response.status, response.get(ERROR_CODE)
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        api = "web" if request.app.get(WEB_DOOR) else "admin" if _on_api_socket(request) else "peer"
        request.app[METRICS].request(api, request.method, route, status, time.perf_counter() - started, code)


@web.middleware
async def by_socket(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    on_api_socket = _on_api_socket(request)
    if request.path.startswith("/api/") or request.path in OPS_PATHS:
        if not on_api_socket:
            return error_response(NodeErrorCode.NOT_FOUND, "the admin API is not served on the peer port")
        response = await guard(request, handler)
        if request.method == "POST" and response.status < 300 and GOSSIP in request.app:
            # any admin write may have published (every area publishes through the node):
            # a cheap head check decides whether to push now
            await request.app[GOSSIP].after_admin_write()
        return response
    if on_api_socket:
        return error_response(NodeErrorCode.NOT_FOUND, "only /api/, /metrics, /healthz and /readyz are served on the admin port")
    conns = request.app[CONNECTIONS]
    conns.busy(request.transport)  # a request in progress is bounded by its body deadline instead
    try:
        return await peer_guard(request, handler)
    finally:
        conns.idle(request.transport)


def build_app(config: NodeConfig, genesis: Genesis, clock: Clock, token: str, gossip: bool = True) -> web.Application:
    app = web.Application(middlewares=[measured, by_socket], client_max_size=config.federation.max_body_bytes + 1)
    app[METRICS] = Metrics.create()  # one registry per application: two nodes in a process share nothing
    app[SOCKETS] = Sockets()
    app[NONCES] = NonceWindow(window_ms=config.federation.request_skew_s * 1000)
    app[BUDGETS] = Budgets()
    app[TRAFFIC] = Traffic()
    fed = config.federation
    app[CONNECTIONS] = Connections(
        connection_cap(fed.max_connections), fed.max_connections_per_address, fed.header_timeout_s,
        barred=lambda addr: address_barred(app[BUDGETS], addr, clock()),
        trusted=lambda addr: address_proven(app[BUDGETS], addr, clock()),
    )
    app[API_TOKEN] = token

    async def account_token(sent: str) -> Principal | None:
        return await AccountService(app[NODE]).principal_for_token(sent)

    app[TOKEN_LOOKUP] = account_token
    app[ALLOWED_HOSTS] = tuple(config.api.allowed_hosts)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        node = await Node.open(config, genesis.id, clock, genesis)
        app[NODE] = node
        session = aiohttp.ClientSession()
        app[SESSION] = session
        g: Gossip | None = None
        try:
            await finish_rotation(node)  # a crash between a key.rotate record and the key swap
            await ensure_profile(node)
            if gossip:
                g = app[GOSSIP] = Gossip(app, genesis)
                await g.start()
            yield
        finally:
            if g is not None:
                await g.stop()
            await session.close()
            await node.close()

    app.cleanup_ctx.append(resources)
    if config.backup.every_hours:
        app.cleanup_ctx.append(_scheduled_backups(config))
    add_peer_routes(app)
    routes = admin_routes()
    add_routes(app, routes)
    doc = openapi.document(routes, VERSION)

    async def openapi_doc(request: web.Request) -> web.Response:
        return web.json_response(doc)

    app.router.add_get("/api/openapi.json", openapi_doc)
    add_ops_routes(app)
    return app


def _scheduled_backups(config: NodeConfig) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        from node.backup.schedule import check_ready, every

        check_ready(config)
        task = asyncio.create_task(every(config), name="scheduled-backups")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx


def add_ops_routes(app: web.Application) -> None:
    """/metrics (Prometheus' text format, the bearer token required), /healthz (the process serves)
    and /readyz (the database is open and migrated), on the admin socket only."""

    async def metrics(request: web.Request) -> web.Response:
        body = await app[METRICS].scrape(app[NODE], app[TRAFFIC])
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        problem = await database_ready(app.get(NODE))
        if problem is not None:
            return error_response(NodeErrorCode.NOT_RUNNING, f"not ready: {problem}")
        return web.json_response({"status": "ready"})

    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise NodeError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another port in node.toml") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


@dataclass(frozen=True, slots=True)
class RunningNode:
    app: web.Application
    config: NodeConfig
    api_url: str
    peer_url: str
    token: str
    web_url: str = ""  # the web door's bound address ("" when web.listen is not set)

    @property
    def node(self) -> Node:
        return self.app[NODE]

    @property
    def traffic(self) -> Traffic:
        return self.app[TRAFFIC]

    @property
    def session(self) -> aiohttp.ClientSession:
        return self.app[SESSION]

    @property
    def gossip(self) -> Gossip:
        return self.app[GOSSIP]


def _lock(data_dir: Path) -> int:
    fd = os.open(data_dir / "node.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise NodeError(f"another node is already running on {data_dir}; stop it first") from None
    return fd


def _write_api_file(data_dir: Path, url: str) -> None:
    run = data_dir / RUN_DIR
    run.mkdir(mode=0o700, exist_ok=True)
    tmp = run / (API_FILE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"url": url, "pid": os.getpid()}, fh)
    os.replace(tmp, run / API_FILE)


@asynccontextmanager
async def running_node(
    config: NodeConfig, genesis: Genesis | None = None, clock: Clock = wall_clock_ms, extra: Sequence[Any] = (), gossip: bool = True
) -> AsyncIterator[RunningNode]:
    """Start a node (both sockets bound, resources open, gossip scheduled) and stop it cleanly on exit.

    The network is the one named by the config's network file unless `genesis` is given.
    """
    genesis = genesis or genesis_for(config)
    lock_fd = _lock(config.data_dir)
    socks: list[socket.socket] = []
    runner: web.AppRunner | None = None
    runners: list[web.AppRunner] = []  # the web door's, stopped before the node's
    repeats = install_filter()
    try:
        host, port = config.listen
        peer_sock = _bind(host, port)
        socks.append(peer_sock)
        real_port = peer_sock.getsockname()[1]
        if port == 0:
            config = dataclasses.replace(config, node=dataclasses.replace(config.node, listen=f"{host}:{real_port}"))
        ahost, aport = config.api_listen  # never the peer socket: the config refuses that
        api_sock = _bind(ahost, aport)
        socks.append(api_sock)
        web_sock, config = _bind_web(config, socks)
        token = keys.load_token(config.data_dir)
        app = build_app(config, genesis, clock, token, gossip)
        app[SOCKETS].peer_port = real_port
        app[SOCKETS].api_host, app[SOCKETS].api_port = api_sock.getsockname()[:2]
        # aiohttp's own idle deadline as a second line behind the connection guard's
        runner = web.AppRunner(app, access_log=None, handle_signals=False, keepalive_timeout=config.federation.header_timeout_s)
        await runner.setup()
        api_url = f"http://{_url_host(ahost)}:{app[SOCKETS].api_port}"
        await web.SockSite(runner, api_sock).start()
        _write_api_file(config.data_dir, api_url)
        await GuardedSite(runner, peer_sock, app[CONNECTIONS]).start()
        web_url = ""
        if web_sock is not None:
            web_runner, web_url = await _start_web_door(app, config, web_sock)
            runners.append(web_runner)
        log.info("node %s listening on %s (admin API %s%s)", config.node.name, config.public_url, api_url,
                 f", web {config.web_url}" if web_url else "")
        yield RunningNode(app, config, api_url, f"http://{_url_host(host)}:{real_port}", token, web_url)
    finally:
        try:
            (config.data_dir / RUN_DIR / API_FILE).unlink(missing_ok=True)
        finally:
            for r in runners:
                await r.cleanup()
            if runner is not None:
                await runner.cleanup()
            for s in socks:
                s.close()
            os.close(lock_fd)
            remove_filter(repeats)


def _bind_web(config: NodeConfig, socks: list[socket.socket]) -> tuple[socket.socket | None, NodeConfig]:
    """The web door's socket, if web.listen is set; port 0 (tests) puts the bound port in the
    config, so invitations carry it."""
    if config.web_listen is None:
        return None, config
    whost, wport = config.web_listen
    sock = _bind(whost, wport)
    socks.append(sock)
    if wport == 0:
        bound = f"{_url_host(whost)}:{sock.getsockname()[1]}"
        config = dataclasses.replace(config, web=dataclasses.replace(config.web, listen=bound))
    return sock, config


async def _start_web_door(app: web.Application, config: NodeConfig, sock: socket.socket) -> tuple[web.AppRunner, str]:
    """The people's door on web.listen: pages and /api/ for account tokens, on the node already open."""
    from federation.web.app import build_web_app

    whost = sock.getsockname()[0]
    web_app = build_web_app(app[NODE], admin_routes(), middlewares=[measured])
    web_app[METRICS] = app[METRICS]
    web_app[WEB_DOOR] = True
    web_app[SOCKETS] = app[SOCKETS]
    runner = web.AppRunner(web_app, access_log=None, handle_signals=False, keepalive_timeout=config.federation.header_timeout_s)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner, f"http://{_url_host(whost)}:{sock.getsockname()[1]}"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
