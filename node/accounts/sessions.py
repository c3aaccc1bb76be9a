"""Web sessions, kept server-side in SQLite: a new random id at every sign-in (the cookie holds it,
the database its SHA-256), a CSRF token per session, an idle timeout and an absolute lifetime
(`[web] session_idle_minutes`, `session_hours`). A person sees their sessions and ends any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.accounts import secrets
from node.accounts.principal import Principal
from node.accounts.service import iso, principal_of
from node.errors import NotFound
from node.service import Node
from node.storage import accounts as store
from node.storage.accounts import SessionRow

MINUTE_MS = 60_000
TOUCH_EVERY_MS = 60_000  # refresh "last seen" at most once a minute: reads stay reads


@dataclass(frozen=True, slots=True)
class Session:
    principal: Principal
    id_hash: bytes
    csrf: str

    @property
    def handle(self) -> str:
        return handle(self.id_hash)


def handle(id_hash: bytes) -> str:
    """How a session is named on the page that lists them: part of its digest, never the cookie."""
    return id_hash.hex()[:16]


class Sessions:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.db = node.db
        web = node.config.web
        self.idle_ms = web.session_idle_minutes * MINUTE_MS
        self.max_ms = web.session_hours * 60 * MINUTE_MS

    async def start(self, account_id: str, agent: str) -> tuple[str, Session]:
        sid, csrf, now = secrets.new_code() + secrets.new_code(), secrets.new_code(), self.node.clock()
        row = SessionRow(secrets.digest(sid), account_id, csrf, now, now, agent[:200], None)
        async with self.db.write() as w:
            await store.forget_sessions(w, now - self.max_ms - self.idle_ms)
            await store.insert_session(w, row)
        a = await store.account(self.db, account_id)
        assert a is not None
        return sid, Session(principal_of(a), row.id_hash, csrf)

    async def load(self, sid: str) -> Session | None:
        """The live session behind a cookie, or None: unknown, ended, idle too long, too old, or its account disabled."""
        if not sid or len(sid) > 128:
            return None
        h = secrets.digest(sid)
        row = await store.session(self.db, h)
        now = self.node.clock()
        if row is None or row.ended_at is not None or now - row.seen_at > self.idle_ms or now - row.created_at > self.max_ms:
            return None
        a = await store.account(self.db, row.account_id)
        if a is None or a.state != "active":
            return None
        if now - row.seen_at > TOUCH_EVERY_MS:
            async with self.db.write() as w:
                await store.touch_session(w, h, now)
        return Session(principal_of(a), h, row.csrf)

    async def live(self) -> int:
        now = self.node.clock()
        return await store.count_live_sessions(self.db, now - self.idle_ms, now - self.max_ms)

    async def end(self, id_hash: bytes) -> None:
        async with self.db.write() as w:
            await store.end_session(w, id_hash, self.node.clock())

    async def of_account(self, account_id: str, current: bytes | None = None) -> list[dict[str, Any]]:
        now = self.node.clock()
        out = []
        for s in await store.sessions_of(self.db, account_id):
            if now - s.seen_at > self.idle_ms or now - s.created_at > self.max_ms:
                continue
            out.append({"handle": handle(s.id_hash), "started": iso(s.created_at), "last_seen": iso(s.seen_at),
                        "agent": s.agent, "current": s.id_hash == current})
        return out

    async def revoke(self, account_id: str, which: str) -> None:
        for s in await store.sessions_of(self.db, account_id):
            if handle(s.id_hash) == which:
                await self.end(s.id_hash)
                return
        raise NotFound("no such session of yours (it may have ended already)")
