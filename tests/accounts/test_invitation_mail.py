"""Invitations by e-mail, through a real SMTP server on loopback (aiosmtpd): the mail arrives, in
French by default, with the link; the address is kept nowhere (database, log); a mail server that
is down gives a clear error and leaves no usable invitation behind."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.accounts.conftest import ClockedNode, free_port
from tests.accounts_util import accept_invitation, web_client
from tests.conftest import call_api, run_cli

ADDRESS = "jeanne.durand@example.org"


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.mails.append(envelope)
        return "250 OK"


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox = Inbox()
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(inbox, hostname="mail.test"), "127.0.0.1", 0)
    try:
        yield inbox, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


def _node_log(caplog: Any) -> str:
    # everything logged but the test's own SMTP server (aiosmtpd logs what it receives, on "mail.log")
    return "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if not r.name.startswith("mail.log"))


def _stored_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file() and p.suffix != ".toml")


async def test_the_invitation_arrives_by_mail_in_french_and_the_address_is_kept_nowhere(
        clocked_node: ClockedNode, smtp: tuple[Inbox, int], caplog: Any) -> None:
    inbox, port = smtp
    rn, _clock = await clocked_node(mail={"host": "127.0.0.1", "port": port, "sender": "office@territoire.example"})
    caplog.set_level(logging.DEBUG)
    rc, out, err = await run_cli("account", "invite", "--data", str(rn.config.data_dir), "--role", "resident", "--email", ADDRESS)
    assert rc == 0, err
    assert "sent by e-mail" in out
    assert len(inbox.mails) == 1 and inbox.mails[0].rcpt_tos == [ADDRESS]
    msg = email.message_from_bytes(inbox.mails[0].original_content or b"", policy=email.policy.default)
    assert msg["Subject"] == "Votre invitation à Démocité — Territoire" and msg["From"] == "office@territoire.example"
    body = msg.get_body().get_content()  # type: ignore[union-attr]
    link = out.strip().splitlines()[-1]
    assert link in body and "Bonjour" in body
    async with web_client() as c:  # the mailed link is the invitation
        assert (await accept_invitation(c, link, "jeanne")).status == 303
    assert ADDRESS.encode() not in _stored_bytes(rn.config.data_dir)
    assert ADDRESS not in _node_log(caplog)


async def test_the_mail_can_be_english(clocked_node: ClockedNode, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    rn, _clock = await clocked_node(mail={"host": "127.0.0.1", "port": port, "sender": "office@territoire.example"})
    status, body = await call_api(rn, "POST", "/api/accounts/invitations", {"role": "resident", "email": ADDRESS, "lang": "en"})
    assert status == 200 and body["mailed"] is True
    msg = email.message_from_bytes(inbox.mails[0].original_content or b"", policy=email.policy.default)
    assert msg["Subject"] == "Your invitation to Démocité — Territoire"


async def test_a_mail_server_that_is_down_gives_a_clear_error_and_no_invitation(clocked_node: ClockedNode, caplog: Any) -> None:
    port = free_port()  # nothing listens there
    rn, _clock = await clocked_node(mail={"host": "127.0.0.1", "port": port, "sender": "office@territoire.example"})
    caplog.set_level(logging.DEBUG)
    rc, out, err = await run_cli("account", "invite", "--data", str(rn.config.data_dir), "--role", "resident", "--email", ADDRESS)
    assert rc != 0 and out == ""
    assert f"the mail server 127.0.0.1:{port} could not take the invitation (connection refused)" in err
    assert "no invitation was made" in err and "Traceback" not in err and ADDRESS not in err
    assert ADDRESS not in _node_log(caplog)
    rows = await rn.node.db.fetchall("SELECT used_at FROM account_invitations")
    assert len(rows) == 1 and rows[0][0] is not None  # withdrawn: its link opens nothing


async def test_bad_addresses_and_no_mail_server_are_refused_before_anything_is_made(
        clocked_node: ClockedNode, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    rn, _clock = await clocked_node(mail={"host": "127.0.0.1", "port": port, "sender": "office@territoire.example"})
    for bad in ("jeanne", "a@b@c", "x@y.org, z@w.org", "x@y.org\r\nBcc: z@w.org"):
        status, body = await call_api(rn, "POST", "/api/accounts/invitations", {"role": "resident", "email": bad})
        assert status == 400 and "field 'email'" in body["error"]["message"], body
    plain, _clock = await clocked_node()
    status, body = await call_api(plain, "POST", "/api/accounts/invitations", {"role": "resident", "email": ADDRESS})
    assert status == 409 and "no mail server is configured" in body["error"]["message"]
    for n in (rn, plain):
        assert await n.node.db.fetchall("SELECT code_hash FROM account_invitations") == []
    assert inbox.mails == []
