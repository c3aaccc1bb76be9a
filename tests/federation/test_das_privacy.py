"""Personal data never leaves the node: after summaries are published and a second real node has
synced, no pseudonym, name or local id appears in any byte served on /fed/v1/ nor in any file of
the second node's data directory. Erasing a person keeps every published record valid."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import aiohttp

from protocol import encoding
from protocol.httpsig import sign_request
from protocol.identity import Identity
from tests.conftest import call_api
from tests.node.test_das_flow import cli, cli_fails

N = 12


async def populated(make_node: Any) -> tuple[Any, list[bytes]]:
    a = await make_node("Commune A")
    d = str(a.config.data_dir)
    secrets_ = []
    await cli("das", "employer", "add", "--data", d, "--name", "Usine Zéphyr", "--kind", "private")
    await cli("das", "person", "add", "--data", d, "--pseudonym", "xq-coordo", "--status", "retired", "--name", "Camille Coordinatrice",
              "--local-id", "LID-COORD-77")
    pid = (await cli("das", "project", "add", "--data", d, "--title", "Jardin partagé", "--sdg", "2", "--coordinator", "xq-coordo")).strip()
    union = (await cli("das", "project", "add", "--data", d, "--title", "Syndicat", "--sdg", "8", "--theme", "union",
                       "--coordinator", "xq-coordo")).strip()
    for proj in (pid, union):
        await cli("das", "project", "validate", "--data", d, proj, "--decision", "Assemblée territoriale 2026-01-15 n°3")
    secrets_ += [b"xq-coordo", b"Camille Coordinatrice", b"LID-COORD-77"]
    for i in range(N):
        pseud, name = f"xq-person-{i:03d}", f"Dominique Secretname{i:03d}"
        lid = (await cli("das", "person", "add", "--data", d, "--pseudonym", pseud, "--status", "employee" if i % 3 else "student",
                         "--name", name, *(["--employer", "Usine Zéphyr"] if i % 3 else []))).strip()
        secrets_ += [pseud.encode(), name.encode(), lid.encode()]
        await cli("das", "person", "profile", "--data", d, pseud, "--competence", "jardinage=2,environment",
                  "--paper-consent", "profil signé")
        await cli("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", pseud, "--hours", "40", "--from", "2026-01-01", "--to", "2026-12-31")
        for j, proj in enumerate((pid, union) if i < 3 else (pid,)):
            e = (await cli("das", "entry", "add", "--data", d, "--person", pseud, "--project", proj, "--date", f"2026-02-{10 + j:02d}",
                           "--minutes", str(60 + i), "--competence", "jardinage")).strip()
            await cli("das", "entry", "validate", "--data", d, e)
    await cli("das", "statements", "--data", d, "--period", "2026-Q1", "--issue")
    for period in ("2026-Q1", "2026-02", "2026-01"):  # periods that have ended (a running one is refused)
        await cli("das", "summary", "publish", "--data", d, "--period", period)
    return a, secrets_


async def served_bytes(a: Any, caller: Identity) -> bytes:
    """Every byte A answers on every /fed/v1/ route, asked as a signed peer would."""
    out = bytearray()
    heads_body = await _post(a, caller, "/fed/v1/heads", {})
    out += heads_body
    authors = [h[0] if isinstance(h, list) else h.get("key") for h in encoding.decode(heads_body)["heads"]]
    paths = sorted({r.resource.canonical for r in a.app.router.routes() if r.resource and r.resource.canonical.startswith("/fed/")})
    for path in paths:
        out += await _post(a, caller, path, {})
        for author in authors:
            if not isinstance(author, bytes):
                continue
            out += await _post(a, caller, path, {"author": author, "start": 1, "limit": 5000})
            out += await _post(a, caller, path, {"author": author, "since": 0})
    async with aiohttp.ClientSession() as s, s.get(a.peer_url + "/") as r:
        out += await r.read()
    return bytes(out)


async def _post(a: Any, caller: Identity, path: str, msg: Any) -> bytes:
    body = encoding.encode(msg)
    headers = sign_request(caller, "POST", path, body, a.node.clock(), secrets.token_bytes(16))
    headers["Content-Type"] = "application/msgpack"
    async with aiohttp.ClientSession() as s, s.post(a.peer_url + path, data=body, headers=headers) as r:
        return await r.read()


def files_holding(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for f in root.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            hits += [f"{f.name}: {n!r}" for n in needles if n in data]
    return hits


async def test_no_personal_data_crosses_to_peers(make_node) -> None:
    a, needles = await populated(make_node)
    b = await make_node("Quartier B")
    db = str(b.config.data_dir)
    await cli("peer", "add", "--data", db, a.peer_url)
    assert json.loads(await cli("sync", "--data", db, "--json"))["pulled"] >= 4
    kinds = [r["kind"] for r in json.loads(await cli("log", "--data", db, "--json", "--author", a.node.public_key.hex()))["records"]]
    assert kinds.count("das.summary") == 3
    served = await served_bytes(a, b.node.identity)
    assert b"das.summary" in served and len(served) > 2000  # the probe did fetch the summaries
    leaked = [n for n in needles if n in served]
    assert leaked == [], f"served on /fed/v1/: {leaked}"
    assert b"Jardin" not in served and b"Syndicat" not in served and b"union" not in served
    await b.node.db.purge()  # B's WAL folded into its database: every byte B stored is in its files
    assert files_holding(b.config.data_dir, needles) == []
    # the summaries are aggregates under k-anonymity: the 3 persons of the union project are hidden
    q1 = next(r["body"] for r in json.loads(await cli("log", "--data", db, "--json", "--kind", "das.summary"))["records"]
              if r["body"]["period"] == "2026-Q1")
    assert q1["persons"] == {"persons": 12} and q1["by_category"]["generic"] == {"suppressed": True}
    assert q1["by_status"]["student"] == {"suppressed": True} and q1["by_status"]["employee"] == {"suppressed": True}


async def test_export_then_erase_keeps_published_records_valid(make_node, tmp_path: Path) -> None:
    a, needles = await populated(make_node)
    d = str(a.config.data_dir)
    export = json.loads(await cli("das", "person", "export", "--data", d, "xq-person-001"))
    assert export["person"]["name"] == "Dominique Secretname001" and len(export["entries"]) == 2 and len(export["statements"]) == 1
    assert export["statements"][0]["statement"]["minutes"] == 122 and export["balance_cents"] > 0
    number = export["statements"][0]["number"]
    before = json.loads(await cli("log", "--data", d, "--json"))["records"]
    await cli("das", "prove", "--data", d, "--statement", str(number), "--out", str(tmp_path / "p1.json"))
    err = await cli_fails("das", "person", "erase", "--data", d, "xq-person-001")
    assert "--yes" in err
    erased = json.loads(await cli("das", "person", "erase", "--data", d, "xq-person-001", "--yes", "--json"))
    assert erased["removed"]["entries"] == 2 and erased["removed"]["statements"] == 1
    err = await cli_fails("das", "person", "export", "--data", d, "xq-person-001")
    assert "no person" in err
    err = await cli_fails("das", "prove", "--data", d, "--statement", str(number))
    assert "erased" in err
    # every published record still verifies, and other persons' proofs still work
    after = json.loads(await cli("log", "--data", d, "--json"))["records"]
    assert [r["id"] for r in after] == [r["id"] for r in before] and all(r["verified"] for r in after)
    assert json.loads(await cli("das", "verify-proof", str(tmp_path / "p1.json"), "--json"))["valid"]  # a copy given earlier stays valid
    other = number + 1 if number > 1 else 2
    await cli("das", "prove", "--data", d, "--statement", str(other), "--out", str(tmp_path / "p2.json"))
    assert json.loads(await cli("das", "verify-proof", str(tmp_path / "p2.json"), "--json"))["valid"]
    # the ledger still balances; the erased person's amounts stay on an account that names nobody
    bal = json.loads(await cli("das", "ledger", "balance", "--data", d, "--json"))
    assert bal["unbalanced_transactions"] == 0 and sum(x["balance_cents"] for x in bal["accounts"]) == 0
    # and the erased person's identifiers are gone from the node's files
    gone = [b"xq-person-001", b"Dominique Secretname001"]
    assert files_holding(a.config.data_dir, gone) == []
    status, r = await call_api(a, "GET", "/api/das/persons")
    assert "xq-person-001" not in json.dumps(r)
