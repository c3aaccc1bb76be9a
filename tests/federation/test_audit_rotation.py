"""A real node that rotated its key twice exports a bundle that audits clean, every log of the territory included."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


async def test_rotated_node_bundle_audits_clean(make_node, tmp_path: Path) -> None:
    x = await make_node("Rotating")
    first = x.node.public_key
    await x.node.publish("note", {"text": "avant"})
    keys = [first]
    for _ in range(2):
        rc, out, err = await run_cli("key", "rotate", "--data", str(x.config.data_dir), "--json")
        assert rc == 0, err
        keys.append(bytes.fromhex(json.loads(out)["new"]))
        await x.node.publish("note", {"text": "après"})
    path = tmp_path / "x.dmc"
    assert (await run_cli("export", "--data", str(x.config.data_dir), "-o", str(path)))[0] == 0
    rc, out, err = await run_cli("audit", str(path), "--json")
    report = json.loads(out)
    assert rc == 0 and report["findings"] == [], report["findings"]
    checked = {t["key"]: t["checks"]["retired_keys"] for t in report["territories"]}
    # every record of the three logs went through the retired-key check, rotations included
    assert checked == {k.hex(): {"verdict": "pass", "checked": n} for k, n in zip(keys, (3, 3, 2), strict=True)}
