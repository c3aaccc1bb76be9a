"""Backups (issue #17): `democite backup` while the node writes, `democite restore` into a new
folder, the restored node's log, wrong passphrases, file modes, and the scheduled backups.

The commands run as real processes (`python -m cli`), with the passphrase on stdin, exactly as
an operator's script runs them."""

from __future__ import annotations

import asyncio
import json
import stat
import sys
from pathlib import Path

import pytest

from node import config as config_mod
from node.backup import archive
from node.backup.schedule import backup_now, read_passphrase_file
from node.bootstrap import init_node
from node.errors import ConfigError, Invalid
from protocol.record import open_record
from tests.conftest import MakeNode, call_api

PASS = "une phrase de passe longue"
ROOT = Path(__file__).resolve().parents[2]


async def democite_process(stdin: str, *argv: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", *argv, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), timeout=120)
    return proc.returncode or 0, out.decode(), err.decode()


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


async def _publish(rn: object, n: int) -> None:
    for i in range(n):
        status, rec = await call_api(rn, "POST", "/api/publish", {"kind": "note", "body": {"text": f"note {i}"}})  # type: ignore[arg-type]
        assert status == 200, rec


async def test_backup_during_writes_restores_the_same_head_and_a_verifying_log(make_node: MakeNode, tmp_path: Path) -> None:
    rn = await make_node("Commune A")
    data = rn.config.data_dir
    await _publish(rn, 5)
    done = asyncio.Event()

    async def keep_writing() -> int:  # bounded: at most 400 records, stops when the backup is done
        n = 0
        while not done.is_set() and n < 400:
            await _publish(rn, 1)
            n += 1
        return n

    writer = asyncio.create_task(keep_writing())
    out_file = tmp_path / "b.dmcbak"
    rc, out, err = await democite_process(PASS + "\n", "backup", "--data", str(data), "-o", str(out_file), "--passphrase-stdin", "--json")
    done.set()
    written = await writer
    assert rc == 0, err
    seen = json.loads(out)
    assert seen["log_size"] >= 5 and _mode(out_file) == 0o600
    assert out_file.read_bytes().startswith(archive.MAGIC)

    restored = tmp_path / "restored"
    rc, out, err = await democite_process(PASS + "\n", "restore", str(out_file), "--data", str(restored), "--passphrase-stdin", "--json")
    assert rc == 0, err
    assert json.loads(out)["head"] == seen["head"]
    assert _mode(restored) == 0o700
    assert {p.name for p in restored.iterdir()} >= {"node.toml", "node.key", "node.sqlite", "api.token"}
    assert all(_mode(p) == 0o600 for p in restored.iterdir())

    # the original's record at the snapshot's size is the head the backup saw: a consistent cut
    original = await rn.node.logs.records(rn.node.public_key, limit=10_000)
    mine = sorted(original, key=lambda r: r.seq)
    assert 5 < seen["log_size"] < len(mine) or written == 400  # the backup was taken between writes
    assert mine[seen["log_size"] - 1].id.hex() == seen["head"]

    copy = await make_node(data=restored)
    assert copy.node.public_key == rn.node.public_key
    n = seen["log_size"]
    records = sorted(await copy.node.logs.records(copy.node.public_key, limit=10_000), key=lambda r: r.seq)
    assert [r.id for r in records[:n]] == [r.id for r in mine[:n]] and records[n - 1].id.hex() == seen["head"]
    # a node on port 0 comes back on another port, so it announces its new address: nothing else
    assert all(r.kind == "territory.profile" for r in records[n:])
    for rec in records:
        assert open_record(rec.raw, rec.sig, copy.node.public_key).record.body == rec.body
    status, st = await call_api(copy, "GET", "/api/status")
    assert status == 200 and st["log_size"] == len(records)


async def test_a_wrong_passphrase_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    data = tmp_path / "n"
    init_node(data, "Commune B", "127.0.0.1:0")
    out_file = tmp_path / "b.dmcbak"
    archive.make(data, PASS, out_file)
    before = sorted(p.name for p in tmp_path.iterdir())
    rc, out, err = await democite_process("wrong\n", "restore", str(out_file), "--data", str(tmp_path / "r2"), "--passphrase-stdin")
    assert rc != 0 and out == ""
    assert err.strip() == "democite: error: wrong passphrase or damaged file"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no folder, no staging left behind

    damaged = bytearray(out_file.read_bytes())
    damaged[-5] ^= 1
    (tmp_path / "d.dmcbak").write_bytes(bytes(damaged))
    with pytest.raises(Invalid, match="wrong passphrase or damaged file"):
        archive.restore(tmp_path / "d.dmcbak", tmp_path / "r3", PASS)
    assert not (tmp_path / "r3").exists()
    (tmp_path / "x.dmcbak").write_bytes(b"not a backup")
    with pytest.raises(Invalid, match="not a Démocité backup file"):
        archive.restore(tmp_path / "x.dmcbak", tmp_path / "r4", PASS)


async def test_restore_refuses_a_non_empty_folder_and_backup_a_short_passphrase(tmp_path: Path) -> None:
    data = tmp_path / "n"
    init_node(data, "Commune C", "127.0.0.1:0")
    out_file = tmp_path / "b.dmcbak"
    rc, _, err = await democite_process("court\n", "backup", "--data", str(data), "-o", str(out_file), "--passphrase-stdin")
    assert rc != 0 and "too short" in err and not out_file.exists()
    archive.make(data, PASS, out_file)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    rc, _, err = await democite_process(PASS + "\n", "restore", str(out_file), "--data", str(busy), "--passphrase-stdin")
    assert rc != 0 and "is not empty" in err and len(err.strip().splitlines()) == 1
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    # an existing empty folder is fine, and comes out 0700
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o755)
    archive.restore(out_file, empty, PASS)
    assert _mode(empty) == 0o700 and (empty / "node.key").read_bytes() == (data / "node.key").read_bytes()


def _scheduled_config(tmp_path: Path, keep: int, pass_mode: int = 0o600) -> config_mod.NodeConfig:
    data = tmp_path / "n"
    init_node(data, "Commune D", "127.0.0.1:0")
    secret = tmp_path / "passphrase"
    secret.write_text(PASS + "\n")
    secret.chmod(pass_mode)
    raw = {"node": {"name": "Commune D", "listen": "127.0.0.1:0"}, "backup": {"every_hours": 24, "keep": keep, "passphrase_file": str(secret)}}
    return config_mod.from_mapping(data, raw)


async def test_the_scheduled_backup_keeps_the_last_k(make_node: MakeNode, tmp_path: Path) -> None:
    cfg = _scheduled_config(tmp_path, keep=2)
    rn = await make_node(data=cfg.data_dir, backup={"every_hours": 24, "keep": 2, "passphrase_file": cfg.backup.passphrase_file})
    await _publish(rn, 3)
    made = [await asyncio.to_thread(backup_now, cfg, 1_800_000_000_000 + i * 3_600_000) for i in range(4)]
    folder = cfg.data_dir / "backups"
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == sorted(m.path.name for m in made[-2:])
    assert _mode(folder) == 0o700 and all(_mode(folder / k) == 0o600 for k in kept)
    info = archive.restore(folder / kept[-1], tmp_path / "r", PASS)
    assert info.log_size >= 3


def test_the_backup_section_is_validated(tmp_path: Path) -> None:
    assert config_mod.from_mapping(tmp_path, {}).backup.every_hours == 0  # off by default
    for bad, words in (
        ({"every_hours": 1}, "passphrase_file"),
        ({"keep": 0}, "backup.keep"),
        ({"every_hours": 0.001, "passphrase_file": "p"}, "every_hours"),
        ({"folder": " "}, "backup.folder"),
        ({"evry_hours": 1}, "unknown option backup.evry_hours"),
    ):
        with pytest.raises(ConfigError, match=words):
            config_mod.from_mapping(tmp_path, {"backup": bad})
    cfg = _scheduled_config(tmp_path, keep=3, pass_mode=0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        read_passphrase_file(Path(cfg.backup.passphrase_file))
    with pytest.raises(ConfigError, match="chmod 600"):
        backup_now(cfg)
    assert not (cfg.data_dir / "backups").exists()


async def test_a_node_whose_scheduled_backup_cannot_run_refuses_to_start(make_node: MakeNode, tmp_path: Path) -> None:
    cfg = _scheduled_config(tmp_path, keep=3, pass_mode=0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        await make_node(data=cfg.data_dir, backup={"every_hours": 1, "passphrase_file": cfg.backup.passphrase_file})
