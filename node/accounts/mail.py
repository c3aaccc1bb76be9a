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

from node.config import NodeConfig
from node.errors import Conflict, Invalid, Unavailable
from node.i18n import Translator


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


async def send_invitation(cfg: NodeConfig, to: str, url: str, expires: str, lang: str | None) -> bool:
    if not cfg.mail.host:
        raise Conflict("no mail server is configured: set [mail] host and sender in node.toml, or hand the link over yourself")
    to = to.strip()
    if "@" not in to or any(c in to for c in " \r\n<>,;") or len(to) > 254:
        raise Invalid("field 'email': one address like name@example.org")
    msg = invitation_message(cfg, to, url, expires, lang)
    try:
        await asyncio.to_thread(_send, cfg, msg)
    except (smtplib.SMTPException, OSError) as exc:
        # the reason, never the address: errors and logs carry no personal data
        raise Unavailable(f"the mail server {cfg.mail.host}:{cfg.mail.port} refused or failed ({type(exc).__name__}); "
                          "the invitation exists: hand the link over yourself, or fix [mail] and invite again") from None
    return True
