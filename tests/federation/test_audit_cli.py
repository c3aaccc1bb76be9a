"""Export from real nodes and audit through the real CLI: clean bundles pass, tampering is named."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from protocol import merkle
from protocol.audit.bundle import BundleWriter, parse
from protocol.checkpoint import Checkpoint, cosign, open_checkpoint, sign_checkpoint
from protocol.fork import make_fork_proof
from protocol.identity import Identity
from protocol.record import Record, open_record, sign_record
from tests.conftest import run_cli
from tests.protocol.audit_logs import ident, signed_log

ATTACKER = Identity(b"\x42" * 32)


async def _node_with_notes(make_node, name: str, n: int):
    rn = await make_node(name)
    for i in range(n):
        rc, _, err = await run_cli("publish", "--data", str(rn.config.data_dir), "--kind", "note", "--body", json.dumps({"text": f"note {i}"}))
        assert rc == 0, err
    return rn


async def _audit(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    rc, out, err = await run_cli("audit", str(path), "--json", *extra)
    assert "Traceback" not in err
    return rc, json.loads(out)


def _fails(report: dict[str, Any]) -> set[tuple[str, str | None, int | None]]:
    return {(f["check"], f["territory"], f["seq"]) for f in report["findings"] if f["severity"] == "fail"}


def _reframe(data: bytes, edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> bytes:
    """Rewrite a bundle's frames as a tamperer would, resealing with a key that is not the exporter's."""
    frames = edit([f.value for f in parse(data).frames])
    w = BundleWriter()
    h = frames[0]
    out = [w.start(h["net"], h["exporter"], h["created"], h["genesis"], h["scope"])]
    out += [w.frame(f) for f in frames[1:]]
    return b"".join([*out, w.end(ATTACKER)])


async def test_export_then_audit_clean_with_witness_html_and_url(make_node, tmp_path) -> None:
    a = await _node_with_notes(make_node, "Commune A", 3)
    b = await make_node("Quartier B")
    db = str(b.config.data_dir)
    assert (await run_cli("peer", "add", "--data", db, a.peer_url))[0] == 0
    assert (await run_cli("sync", "--data", db))[0] == 0
    # B witnesses A's latest checkpoint, as the network area's witnessing will do
    cp = await b.node.logs.latest_checkpoint(a.node.public_key)
    assert cp is not None
    c = cosign(b.node.identity, open_checkpoint(cp.raw, cp.sig, a.node.public_key), 1)
    await b.node.add_cosignatures([(cp.id, c.witness, c.ts, c.sig)])

    bundle = tmp_path / "b.dmc"
    rc, out, err = await run_cli("export", "--data", db, "-o", str(bundle), "--json")
    assert rc == 0, err
    assert json.loads(out)["bytes"] == bundle.stat().st_size
    assert bundle.stat().st_mode & 0o777 == 0o600  # a bundle is the node's data: never world-readable
    html = tmp_path / "report.html"
    html.write_text("an older report")
    html.chmod(0o644)  # written again, it is tightened too, whatever the umask
    rc, report = await _audit(bundle, "--html", str(html))
    assert rc == 0, report["findings"]
    assert html.stat().st_mode & 0o777 == 0o600  # the report names the territories: never world-readable
    terr = {t["key"]: t for t in report["territories"]}
    ta = terr[a.node.public_key.hex()]
    assert terr[b.node.public_key.hex()]["checks"]["consistency"]["checked"] == 1
    assert ta["name"] == "Commune A" and ta["records"] == 4 and ta["verdict"] == "pass"
    assert ta["checks"]["witness"] == {"verdict": "pass", "checked": 1}
    assert ta["checks"]["consistency"]["checked"] == 1  # B keeps the one checkpoint of A it synced
    assert terr[b.node.public_key.hex()]["records"] == 1
    page = html.read_text()
    assert "Commune A" in page and "PASS" in page and "Timeline" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page  # works offline

    rc, out, err = await run_cli("audit", str(bundle))
    assert rc == 0 and "verdict: PASS" in out and "Commune A" in out

    rc, only = await _audit_export(db, tmp_path / "a-only.dmc", "--author", a.node.public_key.hex())
    assert rc == 0 and [t["key"] for t in only["territories"]] == [a.node.public_key.hex()]
    assert only["scope"] == "author:" + a.node.public_key.hex()

    url = b.api_url + "/api/audit/export"
    rc, out, err = await run_cli("audit", url, "--data", db, "--json")
    assert rc == 0, err
    assert json.loads(out)["verdict"] == "pass"
    rc, out, err = await run_cli("audit", url)
    assert rc == 1 and "--token" in err and "Traceback" not in err


async def _audit_export(data: str, path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    rc, _, err = await run_cli("export", "--data", data, "-o", str(path), *extra)
    assert rc == 0, err
    return await _audit(path)


async def test_tampered_bundles_are_named_precisely(make_node, tmp_path) -> None:
    a = await _node_with_notes(make_node, "Commune A", 6)  # profile + 6 notes = 7 records
    key, kh = a.node.public_key, a.node.public_key.hex()
    clean = tmp_path / "a.dmc"
    assert (await run_cli("export", "--data", str(a.config.data_dir), "-o", str(clean)))[0] == 0
    data = clean.read_bytes()
    records = [open_record(r.raw, r.sig, key) for r in await a.node.logs.page(key, 1, 100, 1 << 20)]

    def write(name: str, content: bytes) -> Path:
        p = tmp_path / name
        p.write_bytes(content)
        return p

    # one flipped bit inside record 4's signature
    at = data.index(records[3].sig) + 10
    flipped = bytearray(data)
    flipped[at] ^= 0x01
    rc, r = await _audit(write("flip.dmc", bytes(flipped)))
    assert rc == 1 and ("signature", kh, 4) in _fails(r) and ("integrity", None, None) in _fails(r)

    def drop_middle(frames):
        for f in frames:
            if f["t"] == "records":
                del f["items"][3]
        return frames

    rc, r = await _audit(write("drop.dmc", _reframe(data, drop_middle)))
    assert rc == 1 and ("completeness", kh, 4) in _fails(r)
    assert any("record 4 is missing" in f["reason"] for f in r["findings"])

    # rewritten history: the author re-signs record 4 with new content, keeps the rest
    new4 = sign_record(a.node.identity, Record(1, a.node.net_id, key, 4, records[2].id, 1, "note", {"text": "rewritten"}))

    def rewrite(frames):
        for f in frames:
            if f["t"] == "records":
                f["items"][3] = new4.wire()
        return frames

    rc, r = await _audit(write("rewrite.dmc", _reframe(data, rewrite)))
    got = _fails(r)
    assert rc == 1 and ("chain", kh, 5) in got and ("checkpoint", kh, 4) in got
    assert not any(c == "signature" for c, _, _ in got)

    # a checkpoint at size 7 signed over another history than the one at size 4
    other = merkle.root_of([x.id for x in records[:6]] + [new4.id])
    bad = sign_checkpoint(a.node.identity, Checkpoint(a.node.net_id, key, 7, other, 1))

    def swap_latest(frames):
        cps = [f for f in frames if f["t"] == "checkpoint"]
        cps[-1]["cp"] = bad.wire()
        return frames

    rc, r = await _audit(write("cp.dmc", _reframe(data, swap_latest)))
    assert rc == 1 and {("consistency", kh, 7), ("checkpoint", kh, 7)} <= _fails(r)

    # a forged fork proof: two "records" of A at seq 2, one with a signature that is not A's
    twin = sign_record(ATTACKER, Record(1, a.node.net_id, ATTACKER.public_key, 2, records[0].id, 1, "note", {"text": "x"}))
    forged = {"author": key, "a": records[1].wire(), "b": [twin.raw, twin.sig]}

    def add_fork(frames):
        return [*frames, {"t": "fork", "proof": forged}]

    rc, r = await _audit(write("fork.dmc", _reframe(data, add_fork)))
    assert rc == 1 and any(f["check"] == "fork" and "forged" in f["reason"] and f["territory"] == kh for f in r["findings"])


async def test_real_fork_is_a_warning_on_the_author_and_fails_strict(make_node, tmp_path) -> None:
    a = await _node_with_notes(make_node, "Commune A", 2)
    b = await make_node("Quartier B")
    db = str(b.config.data_dir)
    assert (await run_cli("peer", "add", "--data", db, a.peer_url))[0] == 0
    assert (await run_cli("sync", "--data", db))[0] == 0
    key = a.node.public_key
    mine = await a.node.logs.record_at(key, 2)
    assert mine is not None
    prev = (await a.node.logs.record_at(key, 1)).id  # type: ignore[union-attr]
    other = sign_record(a.node.identity, Record(1, a.node.net_id, key, 2, prev, 5, "note", {"text": "two faces"}))
    res = await b.node.ingest(key, [other.wire()])
    assert res.fork is not None
    assert make_fork_proof(open_record(mine.raw, mine.sig, key), other).seq == 2
    rc, _, err = await run_cli("export", "--data", db, "-o", str(tmp_path / "fork.dmc"))
    assert rc == 0, err
    rc, r = await _audit(tmp_path / "fork.dmc")
    # the network caught the equivocation: a checked proof, reported as a warning on the author
    assert rc == 0 and not _fails(r)
    warned = [f for f in r["findings"] if f["check"] == "fork"]
    assert [(f["severity"], f["territory"], f["seq"]) for f in warned] == [("warn", key.hex(), 2)]
    assert "equivocation proven, author frozen" in warned[0]["reason"]
    terr = {t["key"]: t for t in r["territories"]}
    assert terr[key.hex()]["frozen"] and terr[b.node.public_key.hex()]["verdict"] == "pass"
    rc, r = await _audit(tmp_path / "fork.dmc", "--strict")
    assert rc == 1 and r["strict"] and terr[b.node.public_key.hex()]["frozen"] is False
    rc, out, _ = await run_cli("audit", str(tmp_path / "fork.dmc"))
    assert rc == 0 and "equivocation proven, author frozen: Commune A" in out


async def test_cli_errors_are_one_line(make_node, tmp_path) -> None:
    a = await make_node("Commune A")
    d = str(a.config.data_dir)
    rc, _, err = await run_cli("export", "--data", d, "-o", str(tmp_path / "x.dmc"), "--author", "zz")
    assert rc == 1 and "64 hexadecimal" in err and err.count("\n") == 1
    rc, _, err = await run_cli("audit", str(tmp_path / "nothing.dmc"))
    assert rc == 1 and "democite export" in err and err.count("\n") == 1
    rc, _, err = await run_cli("export", "--data", d, "-o", str(tmp_path / "no" / "dir" / "x.dmc"))
    assert rc == 1 and "-o" in err and "Traceback" not in err
    rc, _, err = await run_cli("export", "--data", d, "-o", str(tmp_path / "x.dmc"), "--author", "ab" * 32)
    assert rc == 1 and "holds no record of that territory" in err
    assert not (tmp_path / "x.dmc").exists() and not (tmp_path / "x.dmc.part").exists()


async def test_long_replicated_log_pages_and_thinned_checkpoints(make_node, tmp_path) -> None:
    a = await make_node("Commune A")
    x = ident("territoire x")
    recs = signed_log(x, 2500)
    res = await a.node.ingest(x.public_key, [r.wire() for r in recs])
    assert res.accepted == 2500, res.to_json()
    ids = [r.id for r in recs]
    kept = {}
    for size in (1000, 1500, 2048, 2500):
        scp = sign_checkpoint(x, Checkpoint(a.node.net_id, x.public_key, size, merkle.root_of(ids[:size]), size))
        assert await a.node.accept_checkpoint(scp)
        kept[size] = scp
    c = cosign(a.node.identity, kept[1000], 7)  # cosigned: kept although off the ladder
    await a.node.add_cosignatures([(kept[1000].id, c.witness, c.ts, c.sig)])
    rc, r = await _audit_export(str(a.config.data_dir), tmp_path / "long.dmc", "--author", x.public_key.hex())
    assert rc == 0, r["findings"]
    t = r["territories"][0]
    assert t["records"] == 2500 and t["checks"]["signature"]["checked"] == 2500
    assert t["checks"]["checkpoint"]["checked"] == 3  # 1000 (cosigned), 2048 (ladder), 2500 (latest); 1500 dropped
    assert t["checks"]["consistency"]["checked"] == 3 and t["checks"]["witness"]["checked"] == 1
