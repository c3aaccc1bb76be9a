"""A small territory for the DAS page tests, made through the admin API as the office would: an
employer (acme), two of its employees (p-0042, p-0043), a coordinator's person (zq-coord), a validated
project "Repair cafe" coordinated by zq-coord, and a contract of this year for p-0042 that binds
nobody yet. Accounts are made the way people make them (`tests.accounts_util.make_account`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from federation.runtime import RunningNode
from tests.accounts_util import Account, make_account
from tests.conftest import call_api

PROJECT = "Repair cafe"


@dataclass(frozen=True, slots=True)
class Territory:
    rn: RunningNode
    project: int
    contract: int
    year: int


async def api_ok(rn: RunningNode, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    status, out = await call_api(rn, method, path, body, token=token)
    assert status == 200, (path, out)
    return out


async def territory(rn: RunningNode) -> Territory:
    year = dt.datetime.fromtimestamp(rn.node.clock() / 1000, dt.UTC).year
    await api_ok(rn, "POST", "/api/das/employers", {"name": "acme", "kind": "private"})
    for pseudo, status in (("p-0042", "employee"), ("p-0043", "employee"), ("zq-coord", "volunteer")):
        body = {"pseudonym": pseudo, "status": status} | ({"employer": "acme"} if status == "employee" else {})
        await api_ok(rn, "POST", "/api/das/persons", body)
    project = (await api_ok(rn, "POST", "/api/das/projects", {"title": PROJECT, "sdg": 12, "coordinator": "zq-coord"}))["id"]
    await api_ok(rn, "POST", f"/api/das/projects/{project}/validate", {"decision": f"Conseil {year}-02-10 n12"})
    contract = (await api_ok(rn, "POST", "/api/das/contracts",
                             {"person": "p-0042", "hours": 35, "from": f"{year}-01-01", "to": f"{year}-12-31"}))["id"]
    return Territory(rn, project, contract, year)


async def accounts(t: Territory, *which: str) -> dict[str, Account]:
    """The territory's accounts by username: marie and paul (persons), acme-rh (employer), coord, office1."""
    specs = {"marie": ("person", {"person": "p-0042"}), "paul": ("person", {"person": "p-0043"}),
             "acme-rh": ("employer", {"employer": "acme"}), "coord": ("coordinator", {"projects": [t.project]}),
             "office1": ("office", {})}
    return {u: await make_account(t.rn, specs[u][0], u, **specs[u][1]) for u in which}
