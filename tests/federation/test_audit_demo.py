"""A clean bundle exported from the demo network audits clean, areas and caught equivocation included."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from federation.demo.coop import cooperation_round
from federation.demo.run import run_demo
from federation.peer.peering import sync_round
from node.genesis import load_genesis
from protocol.network import network_id
from tests.conftest import run_cli


async def _export_audit(data: Path, out: Path, *extra: str, only: str | None = None) -> tuple[int, dict[str, Any]]:
    rc, _, err = await run_cli("export", "--data", str(data), "-o", str(out), *(("--author", only) if only else ()))
    assert rc == 0, err
    rc, text, err = await run_cli("audit", str(out), "--json", *extra)
    assert "Traceback" not in err
    return rc, json.loads(text)


def _fails(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] == "fail"]


async def test_bundle_from_run_demo_audits_clean(make_node, capsys, tmp_path) -> None:
    await run_demo(3, 5, keep=True, seed=3)
    root = Path(re.search(r"data in (\S+)", capsys.readouterr().out).group(1))  # type: ignore[union-attr]
    try:
        nodes = [await make_node(data=root / f"node-{i}") for i in (2, 3)]
        forks = [len(await rn.node.fork_proofs()) for rn in nodes]
        rn = nodes[forks.index(max(forks))]  # a territory that caught the cloned key, if any did
        rc, report = await _export_audit(rn.config.data_dir, tmp_path / "demo.dmc")
        assert rc == 0 and report["verdict"] == "pass", _fails(report)
        assert len(report["territories"]) == 3 and report["records"] > 3
        # a closed network: the genesis travels in the bundle and every record's author is checked
        assert not [f for f in report["findings"] if f["check"] in ("network", "membership", "retired_keys")]
        genesis_map = load_genesis(root / "together-demo.toml").to_map()
        assert report["network"] == network_id(genesis_map).hex() and report["bundle"]["network"]["verdict"] == "pass"
        for t in report["territories"]:
            assert t["checks"]["membership"] == {"verdict": "pass", "checked": t["records"]}
        proven = [f for f in report["findings"] if f["check"] == "fork"]
        assert all(f["severity"] == "warn" and "equivocation proven" in f["reason"] for f in proven)
        assert len(proven) == max(forks)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def test_demo_network_with_cooperation_and_a_cloned_key_audits_clean(make_node, tmp_path) -> None:
    nodes = [await make_node(name) for name in ("Commune A", "Quartier B", "Village C", "Ville D")]
    for rn in nodes:
        for other in nodes:
            if other is not rn:
                await rn.node.peers.upsert(other.peer_url, other.node.public_key, other.config.node.name, rn.node.clock())
    d = str(nodes[0].config.data_dir)
    rc, out, err = await run_cli("pacte", "create", "--data", d, "--title", "Pacte alimentaire", "--horizon", "3", "--json")
    assert rc == 0, err
    pid = json.loads(out)["id"]
    assert (await run_cli("pacte", "partner", "add", "--data", d, pid, "--org", "Biocoop", "--kind", "company"))[0] == 0
    result = await cooperation_round(nodes)
    assert result["twinning"] == "active" and result["agree"]
    # the equivocating clone of D's key, as in the demo: C meets it and proves the fork
    clone_dir = tmp_path / "clone"
    clone_dir.mkdir()
    for name in ("node.key", "api.token"):
        shutil.copy(nodes[3].config.data_dir / name, clone_dir / name)
    (clone_dir / "node.toml").write_text('[node]\nname = "Ville D"\nlisten = "127.0.0.1:0"\n')
    clone = await make_node(data=clone_dir)
    await clone.node.publish("note", {"text": "une autre histoire"})
    c = nodes[2]
    await c.node.peers.upsert(clone.peer_url, clone.node.public_key, "clone", c.node.clock())
    await sync_round(c.node, c.session)
    assert len(await c.node.fork_proofs()) == 1

    rc, report = await _export_audit(c.config.data_dir, tmp_path / "coop.dmc")
    assert rc == 0, _fails(report)
    checked = {}
    for t in report["territories"]:
        for name, v in t["checks"].items():
            checked[name] = checked.get(name, 0) + v["checked"]
    assert checked["pacte"] == 2 and checked["twinning"] >= 4 and checked["review"] >= 3 and checked["fund"] >= 10
    assert [t["frozen"] for t in report["territories"] if t["key"] == nodes[3].node.public_key.hex()] == [True]
    rc, strict = await _export_audit(c.config.data_dir, tmp_path / "coop2.dmc", "--strict")
    assert rc == 1 and strict["verdict"] == "fail" and not _fails(report)
    # one territory's log (Quartier B: review, twinning, fund grant) audits clean; what lives in
    # the other logs is a warning, not a failure
    b_key = nodes[1].node.public_key.hex()
    rc, one = await _export_audit(c.config.data_dir, tmp_path / "b.dmc", only=b_key)
    assert rc == 0 and [t["key"] for t in one["territories"]] == [b_key], _fails(one)
    assert any(f["check"] == "fund" and f["severity"] == "warn" for f in one["findings"])
    fund = report["derived"]["funds"][0]
    assert fund["total"] == {"pledged": 260_000, "contributed": 260_000, "granted": 60_000, "paid": 60_000, "available": 200_000}
    html = tmp_path / "coop.html"
    rc, _, err = await run_cli("audit", str(tmp_path / "coop.dmc"), "--html", str(html))
    assert rc == 0, err
    page = html.read_text()
    assert "Fund: Fonds universel de coresponsabilité" in page and "2000.00 EUR" in page
    assert "<td>Quartier B</td><td>600.00 EUR</td><td>600.00 EUR</td><td>600.00 EUR</td><td>600.00 EUR</td>" in page
    assert "Jumelage Commune A - Quartier B" in page and "Pacte alimentaire" in page
    assert "equivocation proven, author frozen" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
