"""`democite doctor`'s checks of one data folder: each returns one line, OK / WARN / FAIL, and the fix.

Read-only: nothing here migrates, writes or tightens anything (the node does that when it starts),
so it is safe next to a running node. It talks to the node only through its admin API and never
calls a peer: clock skew is what the running node measured on its peers' answers (see `clock`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from node import config as config_mod
from node import files, keys
from node.api.client import API_FILE, ApiClient
from node.config import NodeConfig
from node.genesis import load_genesis
from node.storage.db import DB_FILE, schema_versions
from node.storage.migrations import newer_than_code
from protocol.errors import DemociteError

GIB = 1024**3
DISK_WARN_BYTES = GIB
DISK_FAIL_BYTES = 100 * 1024**2
MAX_FILES = 10_000  # a data folder holds a handful; stop walking a folder someone filled by mistake
API_TIMEOUT_S = 5.0
# the peer API's refusal of a request signed with a clock too far from its own (protocol/httpsig.py)
SKEW_REFUSAL = "away from this node's clock"


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str


@dataclass(slots=True)
class _Context:
    data: Path
    config: NodeConfig | None = None
    running: bool = False
    client: ApiClient | None = None


def data_folder(ctx: _Context) -> Check:
    st = ctx.data.stat()
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        return Check("data folder", Status.FAIL, f"{ctx.data} is mode {mode:o}, open to other users: run `chmod 700 {ctx.data}`")
    if st.st_uid != os.geteuid():
        return Check("data folder", Status.WARN, f"{ctx.data} belongs to uid {st.st_uid}, not to you (uid {os.geteuid()}): "
                     "run doctor as the node's user (`sudo -u democite democite doctor --data ...`)")
    return Check("data folder", Status.OK, f"{ctx.data} is mode {files.DIR_MODE:o}")


def file_modes(ctx: _Context) -> Check:
    loose: list[str] = []
    seen = 0
    for root, dirs, names in os.walk(ctx.data):
        for name in [*dirs, *names]:
            seen += 1
            path = Path(root) / name
            try:
                st = path.lstat()
            except OSError:
                continue  # removed while walking (the node's -wal or -shm)
            if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
                loose.append(f"{path} ({stat.S_IMODE(st.st_mode):o})")
        if seen > MAX_FILES:
            break
    if not loose:
        return Check("file modes", Status.OK, f"every file is {files.FILE_MODE:o}, every folder {files.DIR_MODE:o}")
    fix = f"run `chmod -R go-rwx {ctx.data}`" if len(loose) > 1 else f"run `chmod go-rwx {loose[0].rsplit(' (', 1)[0]}`"
    more = f" and {len(loose) - 3} more" if len(loose) > 3 else ""
    return Check("file modes", Status.FAIL, f"open to other users: {', '.join(loose[:3])}{more}: {fix}")


def key_files(ctx: _Context) -> Check:
    identity = keys.load_key(ctx.data)
    keys.load_token(ctx.data)
    return Check("key files", Status.OK, f"node key (public key {identity.public_key.hex()[:16]}…) and API token load")


def config(ctx: _Context) -> Check:
    ctx.config = config_mod.load(ctx.data)
    return Check("config", Status.OK, f"{ctx.data / config_mod.CONFIG_FILE} loads: node '{ctx.config.node.name}'")


def network(ctx: _Context) -> Check:
    if ctx.config is None:
        return Check("network file", Status.WARN, "not checked: the config does not load")
    path = ctx.config.network_path
    if path is None:
        return Check("network file", Status.OK, "none: an open local network")
    g = load_genesis(path)
    return Check("network file", Status.OK, f"{path} loads: network '{g.name}', {len(g.founders)} founders")


def database(ctx: _Context) -> Check:
    path = ctx.data / DB_FILE
    if not path.exists():
        return Check("database", Status.WARN, f"{path} does not exist yet: `democite run` creates it")
    applied, latest = schema_versions(path)
    newer = newer_than_code(applied)
    if newer:
        return Check("database", Status.FAIL, newer)
    top = max(applied, default=0)
    if top < latest:
        return Check("database", Status.WARN, f"schema {top}, this version's is {latest}: the node migrates it when it next starts (restart it)")
    return Check("database", Status.OK, f"opens, schema {top} (this version's)")


def _lock_held(data: Path) -> bool:
    """Whether a node runs on this folder: `democite run` holds node.lock for its whole life."""
    try:
        fd = os.open(data / "node.lock", os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the shared lock we may have taken
    return False


def node_running(ctx: _Context) -> Check:
    ctx.running = _lock_held(ctx.data)
    if not ctx.running:
        return Check("node", Status.WARN, f"not running: start it (`sudo systemctl start democite` or `democite run --data {ctx.data}`)")
    try:
        pid = json.loads((ctx.data / API_FILE).read_text()).get("pid", "?")
        ctx.client = ApiClient(ctx.data, timeout_s=API_TIMEOUT_S)
        s = ctx.client.get("/api/status")
    except (OSError, ValueError, AttributeError, DemociteError) as exc:
        ctx.client = None
        why = exc.message if isinstance(exc, DemociteError) else str(exc)
        return Check("node", Status.FAIL, f"a node holds {ctx.data / 'node.lock'} but its admin API does not answer ({why}): "
                     "read its log (`journalctl -u democite`) and restart it")
    return Check("node", Status.OK, f"running (pid {pid}): admin API {ctx.client.base} answers, peers call {s['public_url']}")


def _bind_error(host: str, port: int) -> str | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the node binds
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def ports(ctx: _Context) -> Check:
    if ctx.config is None:
        return Check("ports", Status.WARN, "not checked: the config does not load")
    if ctx.running:
        return Check("ports", Status.OK, "the peer, admin and web ports are bound by the running node")
    said, bad = [], []
    listens = [("node.listen", ctx.config.node.listen, ctx.config.listen), ("api.listen", ctx.config.api.listen, ctx.config.api_listen)]
    if ctx.config.web_listen is not None:
        listens.append(("web.listen", ctx.config.web.listen, ctx.config.web_listen))
    else:
        said.append("no web.listen (no sign-in pages: invitations cannot be made)")
    for option, text, (host, port) in listens:
        if port == 0:
            said.append(f"{option} {text} takes any free port")
            continue
        err = _bind_error(host, port)
        if err:
            bad.append(f"{option} {text} cannot be bound ({err}): stop the program using it or choose another port in node.toml")
        else:
            said.append(f"{option} {text} is free")
    if bad:
        return Check("ports", Status.FAIL, "node not running; " + "; ".join(bad))
    return Check("ports", Status.OK, "node not running; " + ", ".join(said))


def disk(ctx: _Context) -> Check:
    free = shutil.disk_usage(ctx.data).free
    text = f"{free / GIB:.1f} GiB free in {ctx.data}"
    if free < DISK_FAIL_BYTES:
        return Check("disk", Status.FAIL, f"only {text}: the node cannot store records safely; free space or move the data folder")
    if free < DISK_WARN_BYTES:
        return Check("disk", Status.WARN, f"only {text}: free some space before it runs out")
    return Check("disk", Status.OK, text)


def clock(ctx: _Context) -> Check:
    """Every peer answer carries its node's clock (`X-Democite-Time`); the running node keeps each
    peer's difference from its last answer. Peers refuse requests signed beyond their skew limit
    (`federation.request_skew_s`): over half of it is a warning, over it a failure."""
    if ctx.client is None:
        return Check("clock", Status.OK, "not measured: the node is not running (keep NTP on: `timedatectl`)")
    limit_ms = ctx.config.federation.request_skew_s * 1000 if ctx.config is not None else 60_000
    peers = ctx.client.get("/api/peers")["peers"]
    measured = [(p["url"], p["clock_skew_ms"]) for p in peers if p.get("clock_skew_ms") is not None]
    skewed = [p["url"] for p in peers if SKEW_REFUSAL in (p.get("last_error") or "")]
    if not peers:
        return Check("clock", Status.OK, "no peers to compare with (keep NTP on: `timedatectl`)")
    worst = max(measured, key=lambda m: abs(m[1]), default=None)
    fix = "check this server's time (`timedatectl`, NTP on) or ask that peer to check its own"
    if worst is not None and abs(worst[1]) > limit_ms:
        return Check("clock", Status.FAIL, f"{worst[0]}'s clock is {worst[1] / 1000:+.1f} s from ours, beyond the "
                     f"{limit_ms // 1000} s peers accept: requests are refused; {fix}")
    if skewed:
        return Check("clock", Status.WARN, f"{', '.join(skewed[:3])} refused our requests for clock skew: {fix}")
    if worst is not None and abs(worst[1]) > limit_ms // 2:
        return Check("clock", Status.WARN, f"{worst[0]}'s clock is {worst[1] / 1000:+.1f} s from ours (peers refuse "
                     f"beyond {limit_ms // 1000} s): {fix}")
    if worst is None:
        return Check("clock", Status.OK, f"not measured yet: none of {len(peers)} peers answered since the node started")
    return Check("clock", Status.OK, f"within {abs(worst[1]) / 1000:.1f} s of {len(measured)} peer(s)")


CHECKS: tuple[tuple[str, Callable[[_Context], Check]], ...] = (
    ("data folder", data_folder), ("file modes", file_modes), ("key files", key_files), ("config", config),
    ("network file", network), ("database", database), ("node", node_running), ("ports", ports), ("disk", disk),
    ("clock", clock),
)


def run_checks(data: Path) -> list[Check]:
    """Every check of the folder, in order; a check that fails to run is a FAIL line, never a traceback."""
    if not data.is_dir():
        return [Check("data folder", Status.FAIL, f"no node at {data}: create one with `democite init --data {data}`")]
    ctx = _Context(data)
    out = []
    for name, check in CHECKS:
        try:
            out.append(check(ctx))
        except DemociteError as exc:
            out.append(Check(name, Status.FAIL, exc.message))
        except OSError as exc:
            out.append(Check(name, Status.FAIL, f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")))
        except Exception as exc:  # a diagnosis goes on: one broken check must not hide the others
            out.append(Check(name, Status.FAIL, f"the check itself failed ({type(exc).__name__}): please report it"))
    return out
