"""Admin API routes of accounts: invitations and management (owner, office), and one's own
account and API tokens (every account). Mounted on the admin socket and on the web door."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.accounts.permissions import Action as A
from node.accounts.permissions import Role
from node.accounts.service import AccountService
from node.api.framework import Route, node_of, principal_of
from node.errors import Invalid
from protocol.schema import Field

TAG = "accounts"
ROLE_NAMES = frozenset(str(r) for r in Role if r is not Role.OWNER)


def svc(request: web.Request) -> AccountService:
    return AccountService(node_of(request))


async def invite(r: web.Request, b: dict[str, Any]) -> Any:
    s = svc(r)
    role = Role(b["role"])
    scope = await s.resolve_scope(role, b.get("person"), b.get("employer"), b.get("projects") or [], b.get("org"))
    out = await s.invite(principal_of(r), role, scope, node_of(r).config.web_url)
    if b.get("email"):
        from node.accounts.mail import send_invitation

        out["mailed"] = await send_invitation(node_of(r).config, b["email"], out["url"], out["expires"], b.get("lang"))
    return out


async def list_accounts(r: web.Request, b: dict[str, Any]) -> Any:
    return {"accounts": await svc(r).list()}


def _state(enabled: bool) -> Any:
    async def handler(r: web.Request, b: dict[str, Any]) -> Any:
        return await svc(r).set_state(principal_of(r), r.match_info["username"], enabled)

    return handler


async def reset(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).reset(principal_of(r), r.match_info["username"], node_of(r).config.web_url)


async def me(r: web.Request, b: dict[str, Any]) -> Any:
    who = principal_of(r)
    described = await svc(r).describe(who.account_id)
    if described is None:  # the owner: no account row, every permission
        return {"id": who.account_id, "role": str(who.role), "scope": {}}
    return described


def _own_account(r: web.Request) -> str:
    who = principal_of(r)
    if who.role is Role.OWNER:
        raise Invalid("the owner's token is <data>/api.token; API tokens are for accounts")
    return who.account_id


async def token_create(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).create_token(_own_account(r), b["label"])


async def token_list(r: web.Request, b: dict[str, Any]) -> Any:
    return {"tokens": await svc(r).tokens(_own_account(r))}


async def token_revoke(r: web.Request, b: dict[str, Any]) -> Any:
    return await svc(r).revoke_token(_own_account(r), b["label"])


USERNAME = (Field("username", str, min=1, max_len=64),)
ROUTES = [
    Route("POST", "/api/accounts/invitations", invite, "Invite someone: a single-use link to create their account",
          (Field("role", str, choices=ROLE_NAMES), Field("person", str, required=False, max_len=100),
           Field("employer", str, required=False, max_len=200), Field("projects", list, required=False, items=int, max_len=100),
           Field("org", str, required=False, max_len=200), Field("email", str, required=False, max_len=254),
           Field("lang", str, required=False, choices=frozenset({"fr", "en"}))),
          tag=TAG, action=A.ACCOUNT_MANAGE),
    Route("GET", "/api/accounts", list_accounts, "Accounts: username, role, scope, created, last sign-in, state", tag=TAG,
          action=A.ACCOUNT_MANAGE),
    Route("POST", "/api/accounts/{username}/disable", _state(False), "Disable an account (its sessions end now)", tag=TAG,
          path_fields=USERNAME, action=A.ACCOUNT_MANAGE),
    Route("POST", "/api/accounts/{username}/enable", _state(True), "Enable a disabled account", tag=TAG, path_fields=USERNAME,
          action=A.ACCOUNT_MANAGE),
    Route("POST", "/api/accounts/{username}/reset", reset, "A new invitation that sets a new password for this account",
          tag=TAG, path_fields=USERNAME, action=A.ACCOUNT_MANAGE),
    Route("GET", "/api/account", me, "The calling account: id, role, scope", tag=TAG, action=A.ACCOUNT_SELF),
    Route("GET", "/api/account/tokens", token_list, "The calling account's API tokens (labels, never the tokens)", tag=TAG,
          action=A.ACCOUNT_SELF),
    Route("POST", "/api/account/tokens", token_create, "A new API token for the calling account (shown once)",
          (Field("label", str, min=1, max_len=60),), tag=TAG, action=A.ACCOUNT_SELF),
    Route("POST", "/api/account/tokens/revoke", token_revoke, "Revoke one of the calling account's API tokens",
          (Field("label", str, min=1, max_len=60),), tag=TAG, action=A.ACCOUNT_SELF),
]
