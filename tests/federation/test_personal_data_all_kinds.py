"""Personal data never leaves the node, proven for every record kind.

One territory holds DAS personal data (pseudonyms, names, local ids, employer, entry notes), then
real flows through the CLI make it publish at least one record of every kind in
`protocol.kinds.KINDS`. A second node syncs. Every byte the first node serves on /fed/v1/ and every
file of the second node's data directory are searched for the personal identifiers; so are the
nodes' logs and the error messages of refused DAS commands. A new kind without a flow here fails
the coverage assertion.

Accounts act too (invited by e-mail through a real SMTP server on loopback, with distinctive
usernames): the office runs the pacts, a partner accepts and reports. Their usernames and e-mail
addresses appear in no signed byte of any kind; each act names its account by pseudonymous id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP

from protocol.identity import Identity
from protocol.kinds import KINDS
from protocol.record import Record, sign_record
from tests.accounts_util import Account, make_account
from tests.conftest import call_api, run_cli
from tests.dates import NEXT_YEAR_END
from tests.federation.netutil import fed, make_network
from tests.federation.test_das_privacy import files_holding, served_bytes

K = 5
N = 6
SCORES = [f"--score={c}=2" for c in ("participation", "transversality", "long-term", "coresponsibility", "biosphere", "energy", "co2")]


async def ok(*argv: str) -> Any:
    rc, out, err = await run_cli(*argv)
    assert rc == 0, f"{argv}: {err}"
    assert not any(m in err for m in ("xq-", "Secretname", "Coordinatrice", "LID-")), err  # warnings carry no personal data
    return json.loads(out) if "--json" in argv else out.strip()


async def refused(*argv: str) -> str:
    rc, out, err = await run_cli(*argv)
    assert rc != 0 and "Traceback" not in err, (argv, out, err)
    return err


async def das_territory(d: str) -> tuple[str, list[bytes]]:
    """Persons, employer, contracts, profiles, validated entries with notes, statements, summaries."""
    await ok("das", "employer", "add", "--data", d, "--name", "Usine Zéphyr", "--kind", "private")
    await ok("das", "person", "add", "--data", d, "--pseudonym", "xq-coordo", "--status", "retired", "--name", "Camille Coordinatrice",
             "--local-id", "LID-COORD-77")
    needles = [b"xq-coordo", b"Camille Coordinatrice", b"LID-COORD-77"]
    pid = await ok("das", "project", "add", "--data", d, "--title", "Jardin partagé", "--sdg", "2", "--coordinator", "xq-coordo")
    await ok("das", "project", "validate", "--data", d, pid, "--decision", "Assemblée territoriale 2026-01-15 n°3")
    for i in range(N):
        pseud, name, lid, note = f"xq-person-{i:03d}", f"Dominique Secretname{i:03d}", f"LID-PERS-{i:03d}", f"xq-note-intime-{i:03d}"
        employer = ["--employer", "Usine Zéphyr"] if i % 2 else []
        await ok("das", "person", "add", "--data", d, "--pseudonym", pseud, "--status", "employee" if i % 2 else "student",
                 "--name", name, "--local-id", lid, *employer)
        await ok("das", "person", "profile", "--data", d, pseud, "--competence", "jardinage=2,environment",
                 "--paper-consent", "profil signé")
        await ok("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", pseud, "--hours", "40", "--from", "2026-01-01", "--to", "2026-12-31")
        e = await ok("das", "entry", "add", "--data", d, "--person", pseud, "--project", pid, "--date", "2026-02-10",
                     "--minutes", str(60 + i), "--competence", "jardinage", "--note", note)
        await ok("das", "entry", "validate", "--data", d, e)
        needles += [pseud.encode(), name.encode(), lid.encode(), note.encode()]
    await ok("das", "statements", "--data", d, "--period", "2026-Q1", "--issue")
    for period in ("2026-Q1", "2026-Q1", "2026-02"):  # the second Q1 summary is a correction of the first
        await ok("das", "summary", "publish", "--data", d, "--period", period)
    return pid, needles


async def refusals_name_fields_not_values(d: str, pid: str, needles: list[bytes]) -> None:
    """Refused DAS commands given personal values answer with the field, never the value."""
    errs = [
        await refused("das", "person", "add", "--data", d, "--pseudonym", "xq-person-001", "--status", "student"),
        await refused("das", "person", "add", "--data", d, "--pseudonym", "xq-fresh", "--status", "student", "--local-id", "LID-PERS-002"),
        await refused("das", "person", "show", "--data", d, "xq-unknown-secret"),
        await refused("das", "entry", "add", "--data", d, "--person", "xq-person-003", "--project", pid, "--date", "2026-13-40",
                      "--minutes", "30"),
        await refused("das", "entry", "add", "--data", d, "--person", "xq-unknown-secret", "--project", pid, "--date", "2026-02-11",
                      "--minutes", "30"),
        await refused("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", "xq-person-004", "--hours", "10", "--from", "2026-03-01",
                      "--to", "2026-06-30"),
        await refused("das", "statement", "--data", d, "--person", "xq-unknown-secret", "--period", "2026-Q1"),
    ]
    assert "field 'pseudonym'" in errs[0] and "field 'local_id'" in errs[1] and "field 'from'" in errs[5]
    assert "field 'date'" in errs[3] and "field 'person'" in errs[4]
    text = "\n".join(errs).encode()
    assert [n for n in [*needles, b"xq-unknown-secret"] if n in text] == []


async def accounts(a: Any, pid: str) -> tuple[dict[str, Account], list[bytes]]:
    """One account of each role, invited by e-mail, usernames and addresses easy to search for."""
    scopes: dict[str, dict[str, Any]] = {
        "office": {}, "partner": {"org": "Biocoop"}, "person": {"person": "xq-person-001"}, "employer": {"employer": "Usine Zéphyr"},
        "coordinator": {"projects": [int(pid)]}, "secretariat": {}, "resident": {}, "evaluator": {},
    }
    out, needles = {}, []
    for role, scope in scopes.items():
        username, email = f"zq-username-{role}-ophelie", f"zq.mail.{role}@exemple.fr"
        out[role] = await make_account(a, role, username, email=email, **scope)
        needles += [username.encode(), email.encode(), f"zq.mail.{role}".encode()]
    return out, needles


async def test_no_personal_data_leaves_for_any_record_kind(make_node, tmp_path, caplog, monkeypatch) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="mail.log")  # the stand-in mail server logs the mails it receives: not the node
    net, (pa, pb, pc) = make_network(tmp_path, ["Commune A", "Quartier B", "Village C"])
    slow = fed(net, gossip_interval_s=600)  # explicit syncs: each step sees exactly what it needs
    smtp = await asyncio.get_running_loop().create_server(lambda: SMTP(Sink()), "127.0.0.1", 0)
    mail = {"host": "127.0.0.1", "port": smtp.sockets[0].getsockname()[1], "sender": "mairie@exemple.fr"}
    a = await make_node(data=pa, federation=slow, das={"k_anonymity": K}, web={"listen": "127.0.0.1:0"}, mail=mail)
    b = await make_node(data=pb, federation=slow)
    c = await make_node(data=pc, federation=slow)
    da, db, dc = (str(n.config.data_dir) for n in (a, b, c))
    ka, kb, kc = (n.node.public_key.hex() for n in (a, b, c))
    for x, y in ((a, b), (a, c), (b, a), (b, c), (c, a), (c, b)):
        await ok("peer", "add", "--data", str(x.config.data_dir), y.peer_url)

    async def sync(*ds: str) -> None:
        for d in ds:
            await ok("sync", "--data", d)

    pid, needles = await das_territory(da)
    await refusals_name_fields_not_values(da, pid, needles)
    acct, account_needles = await accounts(a, pid)
    smtp.close()
    await smtp.wait_closed()
    needles += [*account_needles, b"zq-username", b"zq.mail"]
    await ok("publish", "--data", da, "--kind", "note", "--body", '{"text": "bonjour"}')

    # pacts: the office's account runs them (its token in the environment), the partner's accepts and reports
    monkeypatch.setenv("DEMOCITE_TOKEN", acct["office"].token)
    p = (await ok("pacte", "create", "--data", da, "--title", "Pacte alimentaire", "--horizon", "5", "--start-year", "2026", "--json"))["id"]
    await ok("pacte", "partner", "add", "--data", da, p, "--org", "Biocoop", "--kind", "company")
    tf = (await ok("pacte", "taskforce", "add", "--data", da, p, "--mission", "Circuits courts", "--json"))["id"]
    cm = (await ok("pacte", "commit", "--data", da, tf, "--partner", "Biocoop", "--deliverable", "50% local", "--due", "2027-06-30",
                   "--json"))["id"]
    for state in ("accepted", "in_progress", "met"):
        status, moved = await call_api(a, "POST", f"/api/pacte/commitments/{cm}/transition", {"to": state}, token=acct["partner"].token)
        assert status == 200, moved
    await ok("pacte", "salary-share", "--data", da, p, "--partner", "Biocoop", "--percent", "8", "--payroll", "100000")
    await ok("pacte", "evaluate", "--data", da, p, "--year", "2026", "--assessment", "bonne année", "--publish")
    cert = await ok("pacte", "certificate", "issue", "--data", da, p, "--org", "Biocoop", "--evidence", cm, "--until", NEXT_YEAR_END,
                    "-o", str(tmp_path / "cert.json"), "--json")
    await ok("pacte", "certificate", "revoke", "--data", da, cert["id"], "--reason", "partenariat terminé")
    monkeypatch.delenv("DEMOCITE_TOKEN")

    # peer review: A asks B to review its summary, B reviews, A answers; A reviews a note of B
    summary = (await ok("log", "--data", da, "--json", "--kind", "das.summary"))["records"][0]["id"]
    await ok("review", "request", "--data", da, "--target", summary, "--reviewer", kb)
    b_note = (await ok("publish", "--data", db, "--kind", "note", "--body", '{"text": "notre bilan"}', "--json"))["id"]
    await sync(da, db)
    review = (await ok("review", "publish", "--data", db, "--target", summary, "--framework", "democite21", *SCORES, "--verdict", "on-track",
                       "--json"))["id"]
    await ok("review", "publish", "--data", da, "--target", b_note, "--framework", "democite21", *SCORES, "--verdict", "on-track")
    await sync(da)
    await ok("review", "respond", "--data", da, review, "--text", "Merci")

    # twinnings: T1 proposed by B (A accepts, reports work, writes the closing report); T2 proposed by
    # A (B writes the report, A co-signs); T3 proposed by B, declined by A
    t1 = (await ok("twin", "propose", "--data", db, "--with", ka, "--title", "Jumelage eau", "--objectives", "o", "--until", NEXT_YEAR_END,
                   "--json"))["id"]
    t3 = (await ok("twin", "propose", "--data", db, "--with", ka, "--title", "Autre", "--objectives", "o", "--until", NEXT_YEAR_END,
                   "--json"))["id"]
    t2 = (await ok("twin", "propose", "--data", da, "--with", kb, "--title", "Jumelage forêt", "--objectives", "o", "--until", NEXT_YEAR_END,
                   "--json"))["id"]
    await sync(da, db)
    await ok("twin", "accept", "--data", da, t1)
    await ok("twin", "decline", "--data", da, t3, "--reason", "pas cette année")
    t4 = (await ok("twin", "propose", "--data", da, "--with", kb, "--title", "Retiré", "--objectives", "o", "--until", NEXT_YEAR_END,
                   "--json"))["id"]
    await ok("twin", "withdraw", "--data", da, t4, "--reason", "fusionné avec T2")
    await ok("twin", "accept", "--data", db, t2)
    await sync(da, db)
    await ok("twin", "milestone", "--data", da, t1, "--title", "Visite croisée")
    hours = await ok("twin", "hours", "--data", da, t1, "--from-das", pid, "--period", "2026-Q1", "--json")
    assert hours["hours"][ka]["minutes"] == sum(60 + i for i in range(N))
    await ok("twin", "report", "--data", da, t1, "--text", "Bilan commun")
    await ok("twin", "report", "--data", db, t2, "--text", "Bilan forêt")
    await sync(da)
    assert (await ok("twin", "report", "--data", da, t2, "--json"))["state"] == "closed"

    # the fund: every member approves A's request for T1, A acknowledges the grant
    await ok("fund", "create", "--data", da, "--name", "Fonds universel")
    await ok("fund", "pledge", "--data", da, "--amount", "1000")
    await ok("fund", "contribute", "--data", da, "--amount", "600")
    await sync(db, dc)
    await ok("fund", "contribute", "--data", db, "--amount", "100")
    await sync(da)
    req = (await ok("fund", "request", "--data", da, "--amount", "500", "--for", t1, "--purpose", "visites", "--json"))["id"]
    await ok("fund", "approve", "--data", da, req)
    await sync(db, dc)
    await ok("fund", "approve", "--data", db, req)
    await ok("fund", "approve", "--data", dc, req)
    await sync(da)
    await ok("fund", "ack", "--data", da, req)

    # membership: A endorses a candidate; C signs two histories, A holds the fork proof, claims it
    # publicly and asks for C's removal; then A rotates its key
    await ok("member", "endorse", "--data", da, Identity(os.urandom(32)).public_key.hex(), "--unknown-key")
    await ok("publish", "--data", dc, "--kind", "note", "--body", '{"text": "une"}')
    await sync(da)
    head = await a.node.logs.head(c.node.public_key)
    assert head is not None and head.last_id is not None
    other = sign_record(c.node.identity, Record(1, c.node.net_id, c.node.public_key, head.size, (await a.node.logs.record_at(
        c.node.public_key, head.size - 1)).id, c.node.clock(), "note", {"text": "autre histoire"}))  # type: ignore[union-attr]
    assert (await a.node.ingest(c.node.public_key, [other.wire()])).fork is not None
    assert len((await ok("evidence", "publish", "--data", da, "--json"))["published"]) == 1
    assert (await ok("evidence", "publish", "--data", da, "--json"))["published"] == []  # claimed once
    await ok("member", "remove", "--data", da, kc, "--reason", "deux histoires")
    await ok("key", "rotate", "--data", da)

    # B syncs; every kind of record of A reached it, the rotation too (B pulls from A whatever
    # A's new key, and the rotation record then makes that key a member)
    await sync(db)
    new_ka = a.node.public_key.hex()
    held = (await ok("log", "--data", db, "--json", "--limit", "100000"))["records"]
    covered = {r["kind"] for r in held if r["author"] in (ka, new_ka)}
    assert covered == set(KINDS), f"kinds without a flow in this test: {sorted(set(KINDS) - covered)}"
    # every act names its account by pseudonymous id and role: the pacts the office's and the partner's
    actors = {(r["kind"], r["body"]["actor"]["account"], r["body"]["actor"]["role"])
              for r in held if r["author"] in (ka, new_ka) and "actor" in r["body"]}
    office, partner = acct["office"].id, acct["partner"].id
    assert {(k, who) for k, who, _ in actors if k.startswith("pacte.")} == {
        *((k, office) for k in KINDS if k.startswith("pacte.") and k != "pacte.transition"), ("pacte.transition", partner)}
    assert {k for k, who, role in actors if who == "owner" and role == "owner"} >= {"member.endorse", "review", "fund.create", "twin.propose"}

    # nothing personal in what A serves to peers, in B's files, or in any log line
    served = await served_bytes(a, b.node.identity)
    assert all(k.encode() in served for k in KINDS)  # the probe did fetch every kind
    assert [n for n in needles if n in served] == []
    assert b"Jardin" not in served  # a local project's title stays local too
    await b.node.db.purge()
    assert files_holding(b.config.data_dir, needles) == []
    logged = caplog.text.encode()
    assert [n for n in needles if n in logged] == []
