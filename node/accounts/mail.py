"""Invitation mails, sent through the territory's SMTP server (`[mail]` in node.toml).

The address is used for this one mail and never stored: it is personal data the node has no need
to keep. smtplib runs in a worker thread, so a slow mail server never stalls the node.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from node.accounts import secrets
from node.config import NodeConfig
from node.errors import Conflict, Invalid, Unavailable
from node.i18n import Translator
from node.service import Node
from node.storage import accounts as store


def _password(cfg: NodeConfig) -> str:
    if not cfg.mail.password_file:
        return ""
    path = cfg.data_dir / cfg.mail.password_file
    try:
        return path.read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError):
        raise Unavailable(f"mail.password_file {path} cannot be read: put the SMTP password on its first line") from None


def invitation_message(cfg: NodeConfig, to: str, url: str, expires: str, lang: str | None) -> EmailMessage:
    tr = Translator.load(cfg.node.lang)
    lang = tr.pick(lang)
    _ = tr.get(lang).gettext
    msg = EmailMessage()
    msg["Subject"] = _("Your invitation to Démocité — {territory}").format(territory=cfg.node.name)
    msg["From"] = cfg.mail.sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=cfg.mail.sender.rpartition("@")[2] or None)
    msg.set_content(
        _("Hello,\n\nThe territory {territory} invites you to create your Démocité account.\n"
          "Open this link, choose a username and a password:\n\n{url}\n\n"
          "The link works once, until {expires}. If you did not expect this mail, ignore it.\n")
        .format(territory=cfg.node.name, url=url, expires=expires)
    )
    return msg


def _send(cfg: NodeConfig, msg: EmailMessage) -> None:
    m = cfg.mail
    with smtplib.SMTP(m.host, m.port, timeout=m.timeout_s) as smtp:
        if m.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if m.username:
            smtp.login(m.username, _password(cfg))
        smtp.send_message(msg)


def check_address(cfg: NodeConfig, to: str) -> str:
    """The address, once it is known a mail can be sent to it: checked before any invitation is made."""
    if not cfg.mail.host:
        raise Conflict("no mail server is configured: set [mail] host and sender in node.toml and restart the node, "
                       "or invite without --email and hand the link over yourself")
    to = to.strip()
    if to.count("@") != 1 or to.startswith("@") or to.endswith("@") or any(c in to for c in " \t\r\n<>,;\"'") or len(to) > 254:
        raise Invalid("field 'email': one address like name@example.org")
    return to


async def send_invitation(node: Node, to: str, invitation: dict[str, Any], lang: str | None) -> bool:
    """Mail the invitation's link; if the mail cannot go, the invitation is withdrawn (nobody holds
    its link) and the error says so: the command can simply be run again."""
    cfg = node.config
    msg = invitation_message(cfg, check_address(cfg, to), invitation["url"], invitation["expires"], lang)
    try:
        await asyncio.to_thread(_send, cfg, msg)
    except (smtplib.SMTPException, OSError) as exc:
        async with node.db.write() as w:
            await store.use_invitation(w, secrets.digest(invitation["code"]), node.clock())
        # the reason, never the address: errors and logs carry no personal data
        raise Unavailable(f"the mail server {cfg.mail.host}:{cfg.mail.port} could not take the invitation "
                          f"({_reason(exc)}), so no invitation was made; check [mail] in node.toml and that the server "
                          "runs, then invite again (or invite without --email and hand the link over yourself)") from None
    return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "the username or password was refused"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"it answered {exc.smtp_code}"
    return type(exc).__name__
