"""Admin API routes of DAS leave: a person requests days on their own contract, the employer's
representative decides (node.das.leave); appended to node.das.routes.ROUTES."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.accounts.permissions import Action as A
from node.api.framework import Route, node_of, path_value, principal_of
from node.das import leave
from node.das.base import DasContext
from protocol.schema import Field

TAG = "das"


def _svc(r: web.Request) -> leave.LeaveService:
    return leave.LeaveService(DasContext.of(node_of(r)))


async def leave_request(r: web.Request, b: dict[str, Any]) -> Any:
    return await _svc(r).request(principal_of(r), b["contract"], b["from"], b.get("to"), b.get("days"), b.get("note") or "")


def _decide(approve: bool) -> Any:
    async def handler(r: web.Request, b: dict[str, Any]) -> Any:
        lid: int = path_value(r, "id")
        return await _svc(r).decide(principal_of(r), lid, approve, b.get("reason") or "")

    return handler


async def leave_list(r: web.Request, b: dict[str, Any]) -> Any:
    return await _svc(r).list(principal_of(r), b.get("person"), b.get("contract"), b.get("status"))


ID = Field("id", int, min=1)
ROUTES = [
    Route("POST", "/api/das/leave", leave_request,
          "A person requests DAS leave days on their own leave-mode contract ('to' or 'days' working days from 'from')",
          (Field("contract", int, min=1), Field("from", str, max_len=10, format="date"), Field("to", str, required=False, max_len=10, format="date"),
           Field("days", int, required=False, min=1, max=leave.MAX_LEAVE_DAYS), Field("note", str, required=False, max_len=500)),
          tag=TAG, action=A.LEAVE_REQUEST),
    Route("POST", "/api/das/leave/{id}/approve", _decide(True), "The employer's representative approves a leave request",
          (Field("reason", str, required=False, max_len=500),), tag=TAG, path_fields=(ID,), action=A.LEAVE_DECIDE),
    Route("POST", "/api/das/leave/{id}/refuse", _decide(False), "The employer's representative refuses a leave request, saying why",
          (Field("reason", str, required=False, max_len=500),), tag=TAG, path_fields=(ID,), action=A.LEAVE_DECIDE),
    Route("GET", "/api/das/leave", leave_list, "Leave requests (a person: their own; an employer: its employees')",
          query=(Field("person", str, required=False, max_len=100), Field("contract", int, required=False, min=1),
                 Field("status", str, required=False, max_len=10, choices=frozenset(leave.STATUSES))), tag=TAG, action=A.CONTRACT_READ),
]
