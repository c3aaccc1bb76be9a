"""Admin API routes of Societal Activity Rights (loopback, bearer token; see node.api.framework)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from node.accounts.permissions import Action as A
from node.api.framework import Route, declare_path, node_of, path_value, principal_of
from node.das import leave, render, rules, scope
from node.das.importer import ImportRefused, run_import
from node.das.service import DasService
from node.errors import Invalid, NodeError
from node.jsonview import to_json
from protocol.schema import Field

TAG = "das"
MAX_IMPORT_BYTES = 512 * 1024 * 1024


def svc(request: web.Request) -> DasService:
    return DasService(node_of(request))


def _int(request: web.Request, name: str) -> int:
    number: int = path_value(request, name)  # declared below: the framework refused anything else
    return number


def S(name: str, required: bool = True, max_len: int = 200, choices: tuple[str, ...] | None = None, fmt: str | None = None) -> Field:
    return Field(name, str, required=required, max_len=max_len, choices=frozenset(choices) if choices else None, format=fmt)


def I(name: str, required: bool = True, lo: int | None = None, hi: int | None = None) -> Field:  # noqa: E743
    return Field(name, int, required=required, min=lo, max=hi)


def B(name: str) -> Field:
    return Field(name, bool, required=False)


# -- handlers --------------------------------------------------------------------------------


async def employer_add(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.add_employer(b["name"], b["kind"])


async def employer_list(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.list_employers()


async def employer_view(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.employer_view(principal_of(r), r.match_info["ref"], b.get("period"))


async def person_add(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.add_person(b["pseudonym"], b["status"], b.get("employer"), b.get("name"), b.get("local_id"))


async def person_list(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.list_persons(b.get("status"))


async def person_get(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.get_person(principal_of(r), r.match_info["ref"])


async def person_profile(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.set_profile(principal_of(r), r.match_info["ref"], b["competences"], b.get("agreed_on"), b.get("paper_consent"))


async def profile_accept(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).consent.accept_profile(principal_of(r), r.match_info["ref"], b.get("version"), b.get("on"), b.get("paper_consent"))


async def person_export(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.export_person(principal_of(r), r.match_info["ref"])


async def person_erase(r: web.Request, b: dict[str, Any]) -> Any:
    if not b.get("confirm"):
        raise Invalid("field 'confirm': erasing a person cannot be undone; send confirm: true")
    return await svc(r).persons.erase_person(r.match_info["ref"])


async def contract_add(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.add_contract(
        principal_of(r), b["person"], b.get("hours"), b["from"], b["to"], b.get("employer"), b.get("mode") or "spread",
        b.get("leave_day_minutes") or 420, b.get("paper_consent"), b.get("minutes"),
    )


async def contract_list(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.list_contracts(principal_of(r), b.get("person"))


async def contract_get(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.contract_history(principal_of(r), _int(r, "no"))


async def contract_accept(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).consent.accept_contract(principal_of(r), _int(r, "no"), b.get("on"), b.get("paper_consent"))


async def contract_amend(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).persons.amend_contract(principal_of(r), _int(r, "no"), b.get("hours"), b.get("from"), b.get("to"), b.get("mode"),
                                               b["reason"], b.get("paper_consent"), b.get("minutes"))


async def contract_flex(r: web.Request, b: dict[str, Any]) -> Any:
    minutes: int = b["minutes"] if b.get("minutes") is not None else (b.get("hours") or 0) * 60
    if minutes <= 0:
        raise Invalid("field 'hours': move a positive number of hours (or minutes)")
    return await svc(r).consent.propose_flex(principal_of(r), _int(r, "no"), b["from"], b["to"], minutes, b.get("on"), b.get("reason") or "",
                                             b.get("paper_consent"))


async def flex_accept(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).consent.accept_flex(principal_of(r), _int(r, "no"), _int(r, "id"), b.get("paper_consent"))


async def project_add(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).programme.add_project(b["title"], b["sdg"], b.get("coordinator"), b.get("kind") or "programme", b.get("theme"),
                                              b.get("person"))


async def project_list(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).programme.list_projects(b.get("status"))


async def project_get(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).programme.get_project(_int(r, "id"))


def _transition(event: rules.ProjectEvent) -> Any:
    async def handler(r: web.Request, b: dict[str, Any]) -> Any:
        return await svc(r).programme.project_transition(_int(r, "id"), event, b.get("decision"), b.get("date"), b.get("note") or "")

    return handler


async def entry_add(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).programme.add_entry(principal_of(r), b.get("person"), b["project"], b["date"], b["minutes"], b.get("competence"),
                                            b.get("note") or "")


async def entry_list(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).programme.list_entries(principal_of(r), b.get("person"), b.get("project"), b.get("status"), b.get("limit") or 1000,
                                               b.get("offset") or 0)


async def entry_validate(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).programme.review_entry(principal_of(r), _int(r, "id"), True)


async def entry_reject(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).programme.review_entry(principal_of(r), _int(r, "id"), False, b["reason"])


async def entry_correct(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).programme.correct_entry(principal_of(r), _int(r, "id"), b["minutes"], b["reason"])


def _formatted(st: dict[str, Any], fmt: str, lang: str) -> Any:
    if fmt == "html":
        return web.Response(text=render.html(st, lang), content_type="text/html", charset="utf-8")
    if fmt == "csv":
        return web.Response(text=render.to_csv(st, lang), content_type="text/csv", charset="utf-8")
    return st


async def statement_issue(r: web.Request, b: dict[str, Any]) -> Any:
    st = await svc(r).statements.statement(b["person"], b["period"], bool(b.get("correct")))
    return _formatted(st, b.get("format") or "json", b.get("lang") or "fr")


async def statement_get(r: web.Request, b: dict[str, Any]) -> Any:
    await scope.statement(svc(r).ctx, principal_of(r), _int(r, "number"))
    st = await svc(r).statements.statement_json(_int(r, "number"))
    return _formatted(st, b.get("format") or "json", b.get("lang") or "fr")


async def statement_list(r: web.Request, b: dict[str, Any]) -> Any:
    person = await scope.person_ref(svc(r).ctx, principal_of(r), b.get("person"))
    return await svc(r).statements.list_statements(person, b.get("period"), b.get("limit") or 1000, b.get("offset") or 0)


async def statement_issue_all(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).statements.issue_all(b["period"], bool(b.get("correct")))


async def import_csv(r: web.Request, b: dict[str, Any]) -> Any:
    """Streams NDJSON: progress lines, then one report line or one error line (nothing written)."""
    if bool(b.get("path")) == bool(b.get("content")):
        raise Invalid("give exactly one of 'path' (a file the node can read) or 'content' (the CSV text)")
    text = b.get("content") or ""
    if b.get("path"):
        p = Path(b["path"])
        if not p.is_absolute():
            raise Invalid("field 'path': give an absolute path")
        try:
            if p.stat().st_size > MAX_IMPORT_BYTES:
                raise Invalid(f"field 'path': the file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MiB; split it")
            text = p.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise Invalid(f"field 'path': cannot read the file ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise Invalid("field 'path': the file is not UTF-8 text") from None
    gen = run_import(svc(r), text, b.get("kind"), principal_of(r))
    try:
        first = await gen.__anext__()  # header errors still answer with a plain error status
    except NodeError:
        raise
    resp = web.StreamResponse(headers={"Content-Type": "application/x-ndjson; charset=utf-8"})
    await resp.prepare(r)
    await resp.write((json.dumps(first) + "\n").encode())
    try:
        async for ev in gen:
            await resp.write((json.dumps(ev, ensure_ascii=False) + "\n").encode())
    except ImportRefused as exc:
        await resp.write((json.dumps({"error": {"code": "invalid", "message": exc.message, "errors": exc.errors, "more": exc.more}},
                                     ensure_ascii=False) + "\n").encode())
    except NodeError as exc:
        await resp.write((json.dumps({"error": {"code": str(exc.code), "message": exc.message}}, ensure_ascii=False) + "\n").encode())
    await resp.write_eof()
    return resp


async def ledger_spend(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).statements.spend(b["person"], b["cents"], b["merchant"], b.get("memo") or "")


async def ledger_balance(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).statements.balances(b.get("person"))


async def ledger_export(r: web.Request, b: dict[str, Any]) -> Any:
    return web.Response(text=await svc(r).statements.ledger_csv(), content_type="text/csv", charset="utf-8")


async def summary_publish(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).summaries.publish_summary(b["period"])


async def summary_preview(r: web.Request, b: dict[str, Any]) -> Any:
    if not b.get("period"):
        raise Invalid("query parameter 'period' is required, e.g. ?period=2026-Q1")
    body, _ = await svc(r).summaries.summary_body(b["period"])
    return to_json(body)


async def summary_list(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).summaries.list_summaries(b.get("period"))


async def prove(r: web.Request, b: dict[str, Any]) -> Any:
    await scope.statement(svc(r).ctx, principal_of(r), _int(r, "number"))
    return await svc(r).summaries.prove(_int(r, "number"))


async def attach(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).summaries.attach(_int(r, "number"))


# -- the route table -------------------------------------------------------------------------

FMT = S("format", False, 8, ("json", "csv", "html"))
LANG = S("lang", False, 2, ("fr", "en"))
PAGE = (I("limit", False, 1, 100_000), I("offset", False, 0))
DOCS = ("text/csv", "text/html")
PAPER = S("paper_consent", False, 200)

ROUTES = [
    Route("POST", "/api/das/employers", employer_add, "Add an employer (private or public)", (S("name"), S("kind", choices=rules.EMPLOYER_KINDS)), tag=TAG, action=A.EMPLOYER_MANAGE),
    Route("GET", "/api/das/employers", employer_list, "Employers", tag=TAG, action=A.EMPLOYER_MANAGE),
    Route("GET", "/api/das/employers/{ref}/view", employer_view,
          "An employer's view: hours used against each employee's quota, never projects or causes",
          query=(S("period", False, 16, fmt="period"),), tag=TAG, action=A.EMPLOYER_VIEW),
    Route("POST", "/api/das/persons", person_add, "Add a person (pseudonym, status, optional employer and name)",
          (S("pseudonym", max_len=100), S("status", choices=rules.STATUSES), S("employer", False), S("name", False),
           S("local_id", False, 40)), tag=TAG, action=A.PERSON_MANAGE),
    Route("GET", "/api/das/persons", person_list, "Persons (not erased)", query=(S("status", False, 20),), tag=TAG, action=A.PERSON_MANAGE),
    Route("GET", "/api/das/persons/{ref}", person_get, "One person with competence profiles and contracts", tag=TAG, action=A.PERSON_READ),
    Route("POST", "/api/das/persons/{ref}/profile", person_profile,
          "The office records a new version of a person's competence profile; it is agreed once the person accepts it "
          "(paper_consent: the office records the person's signed paper, agreed_on its date)",
          (Field("competences", list, max_len=100), S("agreed_on", False, 10, fmt="date"), PAPER), tag=TAG, action=A.PROFILE_AGREE),
    Route("POST", "/api/das/persons/{ref}/profile/accept", profile_accept,
          "The person accepts their current competence profile from their own account (or the office records their signed paper)",
          (I("version", False, 1), S("on", False, 10, fmt="date"), PAPER), tag=TAG, action=A.PROFILE_AGREE),
    Route("GET", "/api/das/persons/{ref}/export", person_export, "All of one person's data (access and portability)", tag=TAG, action=A.PERSON_READ),
    Route("POST", "/api/das/persons/{ref}/erase", person_erase,
          "Erase a person's personal data; published records stay valid (their salts are destroyed)", (B("confirm"),), tag=TAG, action=A.PERSON_MANAGE),
    Route("POST", "/api/das/contracts", contract_add,
          "Draft a three-party DAS contract: it binds once each party accepted it (paper_consent: the office records the signed paper)",
          (S("person", max_len=100), I("hours", False, 1, 10_000), I("minutes", False, 1, 600_000), S("from", max_len=10, fmt="date"),
           S("to", max_len=10, fmt="date"), S("employer", False),
           S("mode", False, 8, rules.MODES), I("leave_day_minutes", False, 60, 720), PAPER), tag=TAG, action=A.CONTRACT_MANAGE),
    Route("GET", "/api/das/contracts", contract_list, "Current contracts with allocation per quarter and hours used",
          query=(S("person", False, 100),), tag=TAG, action=A.CONTRACT_READ),
    Route("GET", "/api/das/contracts/{no}", contract_get, "A contract's versions and flexibility agreements", tag=TAG, action=A.CONTRACT_READ),
    Route("POST", "/api/das/contracts/{no}/accept", contract_accept,
          "The calling account accepts the current version as its party (person, employer or the office); paper_consent (office): "
          "the signed paper of every party, 'on' its date",
          (S("on", False, 10, fmt="date"), PAPER), tag=TAG, action=A.CONTRACT_ACCEPT),
    Route("POST", "/api/das/contracts/{no}/amend", contract_amend, "Amend a contract: a new version, never an edit",
          (I("hours", False, 1, 10_000), I("minutes", False, 1, 600_000), S("from", False, 10, fmt="date"), S("to", False, 10, fmt="date"),
           S("mode", False, 8, rules.MODES), S("reason", max_len=500),
           PAPER), tag=TAG, action=A.CONTRACT_MANAGE),
    Route("POST", "/api/das/contracts/{no}/flex", contract_flex,
          "Propose moving hours between two quarters (the total never changes): agreed once the other party accepts it "
          "(paper_consent: the office records both parties' signed paper)",
          (S("from", max_len=7, fmt="quarter"), S("to", max_len=7, fmt="quarter"), I("hours", False, 1, 10_000), I("minutes", False, 1, 600_000),
           S("on", False, 10, fmt="date"), S("reason", False, 500), PAPER), tag=TAG, action=A.FLEX_AGREE),
    Route("POST", "/api/das/contracts/{no}/flex/{id}/accept", flex_accept, "The other party agrees a proposed flexibility move",
          (PAPER,), tag=TAG, action=A.FLEX_AGREE),
    Route("POST", "/api/das/projects", project_add,
          "Propose a project of general interest (SDG 1-17), or register a person's individual project (open at once)",
          (S("title", max_len=300), I("sdg", lo=1, hi=17), S("coordinator", False, 100), S("kind", False, 30, rules.PROJECT_KINDS),
           S("theme", False, 20, rules.THEMES), S("person", False, 100)), tag=TAG, action=A.PROJECT_MANAGE),
    Route("GET", "/api/das/projects", project_list, "The local programme", query=(S("status", False, 20),), tag=TAG, action=A.PROJECT_READ),
    Route("GET", "/api/das/projects/{id}", project_get, "One project with its history", tag=TAG, action=A.PROJECT_READ),
    Route("POST", "/api/das/projects/{id}/validate", _transition(rules.ProjectEvent.VALIDATE),
          "proposed → validated, citing the territorial assembly's decision",
          (S("decision", max_len=300), S("date", False, 10, fmt="date"), S("note", False, 500)), tag=TAG, action=A.PROJECT_DECIDE),
    Route("POST", "/api/das/projects/{id}/activate", _transition(rules.ProjectEvent.ACTIVATE), "validated → active", (S("note", False, 500),), tag=TAG, action=A.PROJECT_MANAGE),
    Route("POST", "/api/das/projects/{id}/close", _transition(rules.ProjectEvent.CLOSE), "→ closed (final)", (S("note", False, 500),), tag=TAG, action=A.PROJECT_MANAGE),
    Route("POST", "/api/das/entries", entry_add,
          "Record time given to a project, pending until a coordinator of it validates it (a person account: its own time)",
          (S("person", False, 100), Field("project", int, min=1), S("date", max_len=10, fmt="date"), I("minutes", lo=1, hi=rules.MAX_ENTRY_MINUTES),
           S("competence", False, 300), S("note", False, 500)), tag=TAG, action=A.ENTRY_RECORD),
    Route("GET", "/api/das/entries", entry_list, "Activity entries",
          query=(S("person", False, 100), I("project", False, 1), S("status", False, 10), *PAGE), tag=TAG, action=A.ENTRY_READ),
    Route("POST", "/api/das/entries/{id}/validate", entry_validate, "A coordinator of the entry's project (or the office) validates it",
          tag=TAG, action=A.ENTRY_DECIDE),
    Route("POST", "/api/das/entries/{id}/reject", entry_reject, "A coordinator of the entry's project (or the office) rejects it, saying why",
          (S("reason", max_len=500),), tag=TAG, action=A.ENTRY_DECIDE),
    Route("POST", "/api/das/entries/{id}/correct", entry_correct, "Rectify an entry with a correcting entry (never an edit)",
          (I("minutes", lo=0, hi=rules.MAX_ENTRY_MINUTES), S("reason", max_len=500)), tag=TAG, action=A.ENTRY_CORRECT),
    Route("POST", "/api/das/statements", statement_issue,
          "Issue (or show) a person's statement for a period; --correct issues a correction referencing the old one",
          (S("person", max_len=100), S("period", max_len=10, fmt="period"), B("correct"), FMT, LANG), tag=TAG, produces=DOCS, action=A.STATEMENT_ISSUE),
    Route("POST", "/api/das/statements/issue", statement_issue_all, "Issue every person's statement of a period, in one transaction",
          (S("period", max_len=10, fmt="period"), B("correct")), tag=TAG, action=A.STATEMENT_ISSUE),
    Route("GET", "/api/das/statements", statement_list, "Issued statements", query=(S("person", False, 100), S("period", False, 10, fmt="period"), *PAGE), tag=TAG, action=A.STATEMENT_READ),
    Route("GET", "/api/das/statements/{number}", statement_get, "One statement as JSON, CSV or printable HTML (fr, en)",
          query=(FMT, LANG), tag=TAG, produces=DOCS, action=A.STATEMENT_READ),
    Route("GET", "/api/das/statements/{number}/proof", prove,
          "A disclosure proving one statement is counted in a published summary, without revealing any other", tag=TAG, action=A.STATEMENT_READ),
    Route("POST", "/api/das/statements/{number}/attach", attach,
          "The same disclosure, also kept to be included in this node's audit exports (`democite export`)", tag=TAG, action=A.STATEMENT_ISSUE),
    Route("POST", "/api/das/import", import_csv, "Bulk CSV import in one transaction (NDJSON progress, then a report)",
          (S("path", False, 4096), Field("content", str, required=False, max_len=64 * 1024 * 1024),
           S("kind", False, 12, ("employers", "persons", "contracts", "entries"))), tag=TAG, produces=("application/x-ndjson",), action=A.LEDGER),
    Route("POST", "/api/das/ledger/spend", ledger_spend, "A person spends local currency at a local service",
          (S("person", max_len=100), I("cents", lo=1, hi=10**9), S("merchant", max_len=80), S("memo", False, 200)), tag=TAG, action=A.LEDGER),
    Route("GET", "/api/das/ledger/balance", ledger_balance, "Balances (one person, or every account)", query=(S("person", False, 100),), tag=TAG, action=A.LEDGER),
    Route("GET", "/api/das/ledger/export", ledger_export, "Every ledger movement as CSV for the local currency's operator", tag=TAG, produces=("text/csv",), action=A.LEDGER),
    Route("POST", "/api/das/summaries", summary_publish, "Publish the signed, k-anonymous das.summary of a period", (S("period", max_len=10, fmt="period"),), tag=TAG, action=A.SUMMARY_PUBLISH),
    Route("GET", "/api/das/summaries/preview", summary_preview, "What a summary of this period would publish (nothing signed)",
          query=(S("period", max_len=10, fmt="period"),), tag=TAG, action=A.SUMMARY_PUBLISH),
    Route("GET", "/api/das/summaries", summary_list, "Summaries this node published", query=(S("period", False, 10, fmt="period"),), tag=TAG, action=A.SUMMARY_READ),
]
# numbers in paths are SQLite row numbers: the framework checks them before any handler reads them
ROUTES = declare_path(ROUTES, I("no", lo=1), I("id", lo=1), I("number", lo=1))


# -- DAS leave: the person requests, the employer's representative decides (node.das.leave) --------


async def leave_request(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).leave.request(principal_of(r), b["contract"], b["from"], b.get("to"), b.get("days"), b.get("note") or "")


def _decide(approve: bool) -> Any:
    async def handler(r: web.Request, b: dict[str, Any]) -> Any:
        lid: int = path_value(r, "id")
        return await svc(r).leave.decide(principal_of(r), lid, approve, b.get("reason") or "")

    return handler


async def leave_list(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).leave.list(principal_of(r), b.get("person"), b.get("contract"), b.get("status"))


ROUTES += declare_path([
    Route("POST", "/api/das/leave", leave_request,
          "A person requests DAS leave days on their own leave-mode contract ('to' or 'days' working days from 'from')",
          (I("contract", lo=1), S("from", max_len=10, fmt="date"), S("to", False, 10, fmt="date"), I("days", False, 1, leave.MAX_LEAVE_DAYS),
           S("note", False, 500)),
          tag=TAG, action=A.LEAVE_REQUEST),
    Route("POST", "/api/das/leave/{id}/approve", _decide(True), "The employer's representative approves a leave request",
          (S("reason", False, 500),), tag=TAG, action=A.LEAVE_DECIDE),
    Route("POST", "/api/das/leave/{id}/refuse", _decide(False), "The employer's representative refuses a leave request, saying why",
          (S("reason", False, 500),), tag=TAG, action=A.LEAVE_DECIDE),
    Route("GET", "/api/das/leave", leave_list, "Leave requests (a person: their own; an employer: its employees')",
          query=(S("person", False, 100), I("contract", False, 1), S("status", False, 10, leave.STATUSES)), tag=TAG, action=A.CONTRACT_READ),
], I("id", lo=1))
