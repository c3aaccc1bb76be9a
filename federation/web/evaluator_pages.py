"""Pages of a peer evaluator: upload an audit bundle (`.dmc`, up to `web.max_upload_mb`: by default
the largest bundle the audit reads) and read its report in the page layout, French by default.

The audit is the pure engine `democite audit` runs (`protocol.audit.engine.audit`), in a worker
thread so the node keeps serving; the report's data is `node.audit.report.view`, the same the
offline HTML report shows. Auditing records nothing: the report is the answer to the upload
itself, and sending the same bundle again only audits it again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import gettext, render
from node.accounts.permissions import Action
from node.api.framework import node_of
from node.audit.report import view
from protocol.audit.bundle import MAGIC
from protocol.audit.engine import audit

A = Action


def N_(text: str) -> str:
    return text


VERDICTS = {"pass": N_("pass"), "fail": N_("fail"), "warn": N_("warning")}  # extracted for the catalog by N_


def _limit_mb(request: web.Request) -> int:
    return node_of(request).config.web.max_upload_mb


async def upload_form(request: web.Request, error: str | None = None) -> web.StreamResponse:
    return render(request, "evaluator/upload.html.j2", status=400 if error else 200, error=error, limit_mb=_limit_mb(request))


async def upload(request: web.Request) -> web.StreamResponse:
    _ = gettext(request)
    form = await request.post()  # the door read it already, bounded by web.max_upload_mb
    field = form.get("bundle")
    if not isinstance(field, web.FileField) or not field.filename:
        return await upload_form(request, _("Choose a bundle file (.dmc) to upload."))
    data = await asyncio.to_thread(_read, field.file)
    if not data.startswith(MAGIC):
        return await upload_form(request, _("This file is not an audit bundle (.dmc): export one with democite export -o FILE.dmc."))
    report = await asyncio.to_thread(audit, data)
    return render(request, "evaluator/report.html.j2", r=view(report), ok=report.ok, verdicts=VERDICTS, filename=str(field.filename)[:120])


def _read(fh: Any) -> bytes:
    fh.seek(0)
    data: bytes = fh.read()  # one read: the audit needs the bytes whole, never twice in memory
    return data


async def evaluator_panel(request: web.Request) -> dict[str, Any] | None:
    return {"limit_mb": _limit_mb(request)}


PAGES = [
    Page("GET", "/audit", upload_form, A.AUDIT_READ),
    Page("POST", "/audit", upload, A.AUDIT_READ, upload=True),
]
PANELS = [Panel(A.AUDIT_READ, "evaluator.html.j2", evaluator_panel, order=80)]
NAV = [NavLink(A.AUDIT_READ, "/audit", "Audit a bundle", order=80)]

