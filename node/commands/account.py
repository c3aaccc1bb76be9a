"""`democite account ...`: invite the territory's people and manage their accounts (a client of
the admin API). The owner and the office invite; each person then creates their own account from
the link, with their own password: nobody else ever knows it."""

from __future__ import annotations

import argparse
from typing import Any

from node.accounts.permissions import Role
from node.commands.util import api, emit, group, table
from node.commands.util import command as _cmd

ROLES = [str(r) for r in Role if r is not Role.OWNER]


def invite(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"role": args.role}
    for name in ("person", "employer", "org", "email", "lang"):
        if getattr(args, name):
            body[name] = getattr(args, name)
    if args.project:
        body["projects"] = args.project
    r = api(args).call("POST", "/api/accounts/invitations", body)
    mailed = " (sent by e-mail)" if r.get("mailed") else ""
    emit(args, r, f"invitation for a {r['role']} account{mailed}, single use, valid until {r['expires']}:\n{r['url']}")


def list_accounts(args: argparse.Namespace) -> None:
    r = api(args).call("GET", "/api/accounts")
    rows = [(a["username"], a["role"], _scope(a["scope"]), a["created"], a["last_sign_in"] or "never", a["state"]) for a in r["accounts"]]
    emit(args, r, table(rows, ["username", "role", "scope", "created", "last sign-in", "state"]) if rows else "no accounts yet: `democite account invite`")


def _scope(scope: dict[str, Any]) -> str:
    parts = [f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in scope.items()]
    return " ".join(parts)


def _state(action: str) -> Any:
    def run(args: argparse.Namespace) -> None:
        r = api(args).call("POST", f"/api/accounts/{_quote(args.username)}/{action}")
        emit(args, r, f"{r['username']}: {r['state']}")

    return run


def reset(args: argparse.Namespace) -> None:
    r = api(args).call("POST", f"/api/accounts/{_quote(args.username)}/reset")
    emit(args, r, f"a new invitation for {r['username']} (it sets a new password), valid until {r['expires']}:\n{r['url']}")


def _quote(text: str) -> str:
    import urllib.parse

    return urllib.parse.quote(text, safe="")


def register(sub: Any) -> None:
    g = group(sub, "account", "accounts of the territory's people: invitations, roles, disabling",
              dest="account_command", example="democite account invite --role person --person p-0042")
    p = _cmd(g, "invite", invite, "a single-use invitation link (7 days by default) to create an account of this role")
    p.add_argument("--role", required=True, choices=ROLES, help="what the account may do (see docs/accounts.md)")
    p.add_argument("--person", help="person: the DAS holder's pseudonym or local id, e.g. p-0042")
    p.add_argument("--employer", help="employer: the employer's name, e.g. acme")
    p.add_argument("--project", type=int, action="append", help="coordinator: a project id they coordinate; repeat for several")
    p.add_argument("--org", help='partner: the Pacte partner organisation, e.g. "Biocoop"')
    p.add_argument("--email", help="also send the link to this address ([mail] in node.toml); the address is not kept")
    p.add_argument("--lang", choices=["fr", "en"], help="the mail's language (default: the territory's)")
    _cmd(g, "list", list_accounts, "accounts: username, role, scope, created, last sign-in, state")
    for name, help in (("disable", "disable an account: it cannot sign in, its sessions and tokens stop working"),
                       ("enable", "enable a disabled account again")):
        p = _cmd(g, name, _state(name), help)
        p.add_argument("username", help="the account's username")
    p = _cmd(g, "reset", reset, "a new invitation link that lets the account's holder choose a new password")
    p.add_argument("username", help="the account's username")
