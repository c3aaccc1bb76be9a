"""The network file through the real CLI: create it from founders' folders, join it, init with it."""

from __future__ import annotations

import json

from node import config as config_mod
from node.bootstrap import init_node
from node.genesis import load_genesis
from tests.conftest import run_cli


async def test_network_create_join_and_init(tmp_path) -> None:
    for n in ("a", "b"):
        init_node(tmp_path / n, f"Commune {n.upper()}", "127.0.0.1:0")
    out_file = tmp_path / "nets" / "together.toml"
    rc, out, err = await run_cli(
        "network", "create", "--name", "TOGETHER", "--out", str(out_file), "--json",
        "--founder-node", str(tmp_path / "a"), "--founder-node", str(tmp_path / "b"),
    )
    assert rc == 0, err
    info = json.loads(out)
    g = load_genesis(out_file)
    assert info["id"] == g.id.hex() and [f.name for f in g.founders] == ["Commune A", "Commune B"]
    rc, out, err = await run_cli("network", "create", "--name", "X", "--out", str(out_file))
    assert rc == 1 and "never overwritten" in err

    rc, out, err = await run_cli("network", "join", str(out_file), "--data", str(tmp_path / "a"))
    assert rc == 0, err
    cfg = config_mod.load(tmp_path / "a")
    assert cfg.network_path == out_file.resolve()

    rc, out, err = await run_cli("init", "--data", str(tmp_path / "c"), "--name", "Candidate", "--listen", "127.0.0.1:0",
                                 "--network", str(out_file), "--json")
    assert rc == 0, err
    assert json.loads(out)["network"]["id"] == g.id.hex()
    assert config_mod.load(tmp_path / "c").network_path == out_file.resolve()

    rc, out, err = await run_cli("init", "--data", str(tmp_path / "d"), "--name", "D", "--network", str(tmp_path / "nope.toml"))
    assert rc == 1 and "network create" in err and not (tmp_path / "d" / "node.toml").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('[network]\nname = "x"\nadmission = "dictator"\n')
    rc, out, err = await run_cli("init", "--data", str(tmp_path / "e"), "--name", "E", "--network", str(bad))
    assert rc == 1 and "admission" in err and "Traceback" not in err


async def test_shipped_together_file_loads() -> None:
    from pathlib import Path

    g = load_genesis(Path(__file__).resolve().parents[2] / "configs" / "networks" / "together.toml")
    assert g.name == "TOGETHER" and len(g.founders) == 3


async def test_join_refused_for_a_node_holding_another_networks_records(make_node, tmp_path) -> None:
    rn = await make_node("Commune A")  # on the open network: its profile and a note are signed for it
    await rn.node.publish("note", {"text": "bonjour"})
    d = rn.config.data_dir
    init_node(tmp_path / "f", "Founder", "127.0.0.1:0")
    net = tmp_path / "together.toml"
    rc, out, err = await run_cli("network", "create", "--name", "TOGETHER", "--out", str(net), "--founder-node", str(tmp_path / "f"))
    assert rc == 0, err
    before = (d / "node.toml").read_text()
    rc, out, err = await run_cli("network", "join", str(net), "--data", str(d))
    assert rc == 1 and "Traceback" not in err
    assert "already holds 2 records of the open network" in err
    assert f"democite init --data NEW_DIR --network {net.resolve()}" in err
    assert (d / "node.toml").read_text() == before  # nothing changed
    # a node that holds only records of that very network joins it again (e.g. the file moved)
    rc, out, err = await run_cli("network", "join", str(net), "--data", str(tmp_path / "f"))
    assert rc == 0, err
    f = await make_node(data=tmp_path / "f")
    assert await f.node.logs.head(f.node.public_key) is not None
    rc, out, err = await run_cli("network", "join", str(net), "--data", str(tmp_path / "f"))
    assert rc == 0, err
