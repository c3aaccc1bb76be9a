"""Inclusion proofs of one record: the peer route, the admin route, `democite prove`, the verifier."""

from __future__ import annotations

import json

import pytest

from federation.errors import FederationError
from federation.peer.peering import client_for
from federation.peer.sync import sync_with
from node.bootstrap import init_node
from protocol import encoding
from protocol.checkpoint import open_checkpoint
from protocol.errors import ProtocolError
from protocol.proof import ProofRequest, open_inclusion_proof
from tests.conftest import call_api, run_cli
from tests.federation.netutil import fed, make_network


async def _network(make_node, tmp_path):
    net, (da, db) = make_network(tmp_path, ["Commune A", "Commune B"])
    a = await make_node(data=da, federation=fed(net, gossip_interval_s=3600))
    b = await make_node(data=db, federation=fed(net, gossip_interval_s=3600))
    return net, a, b


async def test_prove_a_record_through_the_peer_route_and_the_cli(make_node, tmp_path) -> None:
    net, a, b = await _network(make_node, tmp_path)
    ids = [(await a.node.publish("note", {"text": f"note {i}"})).id for i in range(6)]
    head = await a.node.logs.head(a.node.public_key)
    assert head is not None

    # a member (B) asks A over the signed peer route and verifies the answer itself
    client = client_for(b.node, b.session, a.peer_url)
    p = await client.proof(ids[2], author=a.node.public_key)
    assert p.record.id == ids[2] and p.index == p.record.seq - 1
    assert p.checkpoint.checkpoint.size == head.size and p.checkpoint.checkpoint.root == head.root
    older = await client.proof(ids[2], checkpoint=p.record.seq)  # by size: the smallest that covers it
    assert older.checkpoint.checkpoint.size == p.record.seq and older.path != p.path
    by_id = await client.proof(ids[2], checkpoint=older.checkpoint.id)
    assert by_id.checkpoint.id == older.checkpoint.id

    # the acceptance path: the last record `log --json` lists, proved with `democite prove --json`
    da = str(a.config.data_dir)
    rc, out, err = await run_cli("log", "--data", da, "--json")
    assert rc == 0, err
    rid = json.loads(out)["records"][-1]["id"]
    assert rid == ids[-1].hex()
    rc, out, err = await run_cli("prove", "--data", da, rid, "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["verified"] and doc["record_id"] == rid and doc["index"] == head.size - 1
    again = open_inclusion_proof(encoding.decode(bytes.fromhex(doc["bundle"])), a.node.public_key)
    assert again.record.id.hex() == rid and doc["checkpoint"]["root"] == head.root.hex()
    rc, out, err = await run_cli("prove", "--data", da, ids[0].hex(), "--checkpoint", "3")
    assert rc == 0, err
    assert "verified against checkpoint" in out and "(size 3)" in out

    # B pulls A's log and witnesses its checkpoint: B's proof of A's record carries B's cosignature
    report = await sync_with(b.node, client_for(b.node, b.session, a.peer_url))
    assert report.witnessed >= 1
    rc, out, err = await run_cli("prove", "--data", str(b.config.data_dir), ids[-1].hex(), "--json")
    assert rc == 0, err
    assert json.loads(out)["witnesses"] == [b.node.public_key.hex()]


async def test_a_tampered_proof_is_rejected(make_node, tmp_path) -> None:
    net, a, b = await _network(make_node, tmp_path)
    ids = [(await a.node.publish("note", {"text": f"n{i}"})).id for i in range(5)]
    await sync_with(b.node, client_for(b.node, b.session, a.peer_url))
    good = (await b.node.prove_record(ids[1])).to_wire()
    assert good["cosigs"], "B witnessed A's checkpoint"
    open_inclusion_proof(good, a.node.public_key)

    def flip(b: bytes, i: int = -1) -> bytes:
        out = bytearray(b)
        out[i] ^= 1
        return bytes(out)

    def changed(**kw: object) -> dict:
        return {**good, **kw}

    cp_raw, cp_sig = good["checkpoint"]
    cases = {
        "path hash": changed(path=[flip(good["path"][0]), *good["path"][1:]]),
        "path shortened": changed(path=good["path"][:-1]),
        "index": changed(index=good["index"] + 1),
        "record bytes": changed(record=[flip(good["record"][0], 20), good["record"][1]]),
        "record signature": changed(record=[good["record"][0], flip(good["record"][1])]),
        "checkpoint bytes": changed(checkpoint=[flip(cp_raw), cp_sig]),
        "checkpoint signature": changed(checkpoint=[cp_raw, flip(cp_sig)]),
        "cosignature": changed(cosigs=[[good["cosigs"][0][0], good["cosigs"][0][1] + 1, good["cosigs"][0][2]]]),
        "author": changed(author=b.node.public_key),
        "extra field": changed(note=b"x"),
    }
    for name, bad in cases.items():
        with pytest.raises(ProtocolError):
            open_inclusion_proof(bad)
            raise AssertionError(f"tampered {name} accepted")
    # a genuine proof of another record is not a proof of this one
    other = (await b.node.prove_record(ids[2])).to_wire()
    assert open_inclusion_proof(other).record.id != ids[1]
    # a checkpoint of another log, validly signed, does not fit
    theirs = await b.node.logs.latest_checkpoint(b.node.public_key)
    assert theirs is not None and open_checkpoint(theirs.raw, theirs.sig, b.node.public_key)
    with pytest.raises(ProtocolError):
        open_inclusion_proof(changed(checkpoint=[theirs.raw, theirs.sig]))


async def test_unknown_record_not_covered_yet_and_bad_input(make_node, tmp_path) -> None:
    net, a, b = await _network(make_node, tmp_path)
    rec = await a.node.publish("note", {"text": "bonjour"})
    client = client_for(b.node, b.session, a.peer_url)
    with pytest.raises(FederationError) as exc:
        await client.proof(bytes(32))
    assert exc.value.peer_code == "not_found" and "no record with this id" in exc.value.message
    with pytest.raises(FederationError) as exc:
        await client.proof(rec.id, checkpoint=999)
    assert exc.value.peer_code == "not_found" and "no such checkpoint" in exc.value.message
    head = await a.node.logs.head(a.node.public_key)
    assert head is not None
    with pytest.raises(FederationError) as exc:
        await client.proof(rec.id, checkpoint=1)  # the profile's checkpoint predates the note
    assert exc.value.peer_code == "invalid" and "predates record" in exc.value.message
    with pytest.raises(ProtocolError):
        ProofRequest(b"short")
    status, err = await call_api(a, "GET", "/api/proof/" + "ab" * 32)
    assert status == 404 and err["error"]["code"] == "not_found"
    status, err = await call_api(a, "GET", "/api/proof/xyz")
    assert status == 400 and "64 hexadecimal" in err["error"]["message"]
    status, err = await call_api(a, "GET", f"/api/proof/{rec.id.hex()}", checkpoint="99999999999999999999999")
    assert status == 400 and "checkpoint" in err["error"]["message"]
    rc, out, err = await run_cli("prove", "--data", str(a.config.data_dir), "00" * 32)
    assert rc == 1 and "no record with this id" in err and "Traceback" not in err
    rc, out, err = await run_cli("prove", "--data", str(a.config.data_dir), "nothex")
    assert rc != 0 and "64 hexadecimal" in err

    # B holds A's records but no checkpoint of them yet: a clear answer saying when it will have one
    page = [[r.raw, r.sig] for r in await a.node.logs.page(a.node.public_key, 1, 100, 1 << 20)]
    result = await b.node.ingest(a.node.public_key, page)
    assert result.error is None and result.accepted == head.size
    rc, out, err = await run_cli("prove", "--data", str(b.config.data_dir), rec.id.hex())
    assert rc == 1 and "not covered by a checkpoint yet" in err and "sync" in err
    cp = await a.node.logs.latest_checkpoint(a.node.public_key)
    assert cp is not None and await b.node.accept_checkpoint(open_checkpoint(cp.raw, cp.sig, a.node.public_key))
    rc, out, err = await run_cli("prove", "--data", str(b.config.data_dir), rec.id.hex())
    assert rc == 0 and "verified against checkpoint" in out, err


async def test_a_non_member_is_refused(make_node, tmp_path) -> None:
    net, a, b = await _network(make_node, tmp_path)
    rec = await a.node.publish("note", {"text": "bonjour"})
    init_node(tmp_path / "c", "Candidate C", "127.0.0.1:0")
    c = await make_node(data=tmp_path / "c", federation=fed(net, gossip_interval_s=3600))
    with pytest.raises(FederationError) as exc:
        await client_for(c.node, c.session, a.peer_url).proof(rec.id)
    assert exc.value.peer_code == "not_member"


async def test_own_newest_record_is_provable_even_without_its_checkpoint(make_node) -> None:
    """A log whose newest checkpoints are missing (a database from before checkpoints were kept
    with every record, say): proving our own newest record signs a checkpoint on demand."""
    a = await make_node("A")
    ids = [(await a.node.publish("note", {"text": f"n{i}"})).id for i in range(3)]
    async with a.node.db.write() as w:
        await w.execute("DELETE FROM checkpoints WHERE size > 1")
    before = await a.node.logs.latest_checkpoint(a.node.public_key)
    assert before is not None and before.size == 1
    p = await a.node.prove_record(ids[-1])
    head = await a.node.logs.head(a.node.public_key)
    assert head is not None and p.checkpoint.checkpoint.size == head.size and p.checkpoint.checkpoint.root == head.root
    stored = await a.node.logs.latest_checkpoint(a.node.public_key)
    assert stored is not None and stored.id == p.checkpoint.id  # kept: served to peers from now on
    again = await a.node.prove_record(ids[-1])
    assert again.checkpoint.id == p.checkpoint.id  # no second checkpoint for the same size
