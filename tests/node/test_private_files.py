"""Files that hold personal data are the node user's alone, and CSV exports are safe to open in a
spreadsheet (OWASP CSV injection): the data folder 0700, the database and its -wal/-shm 0600,
exports 0600 whatever the umask."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

from node import csvout
from node.bootstrap import init_node
from tests.node.test_das_flow import cli, setup_territory


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


async def test_data_folder_database_and_exports_are_private(make_node, tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: what made node.sqlite 0644 before
    try:
        d = tmp_path / "existing"
        d.mkdir(mode=0o755)
        d.chmod(0o755)
        init_node(d, "Commune", "127.0.0.1:0")
        assert mode(d) == 0o700  # an existing folder is tightened, not kept at 0755
        a = await make_node(data=d)
        await cli("publish", "--data", str(d), "--kind", "note", "--body", '{"text": "bonjour"}')
        for name in ("node.sqlite", "node.sqlite-wal", "node.sqlite-shm", "node.key", "api.token", "node.toml"):
            assert mode(d / name) == 0o600, name
        pid = await setup_territory(str(d), 1)
        e = (await cli("das", "entry", "add", "--data", str(d), "--person", "p-0001", "--project", pid, "--date", "2026-03-02",
                       "--minutes", "120")).strip()
        await cli("das", "entry", "validate", "--data", str(d), e)
        await cli("das", "statement", "--data", str(d), "--person", "p-0001", "--period", "2026-03", "--json")
        await cli("das", "ledger", "spend", "--data", str(d), "--person", "p-0001", "--cents", "100", "--merchant", "@bakery",
                  "--memo", '=HYPERLINK("http://127.0.0.1/x","clic")')
        out = tmp_path / "ledger.csv"
        out.write_text("old")
        out.chmod(0o644)
        await cli("das", "ledger", "export", "--data", str(d), "--out", str(out))
        assert mode(out) == 0o600
        rows = list(csv.reader(io.StringIO(out.read_text())))
        memos = [r[7] for r in rows[1:] if "HYPERLINK" in r[7]]
        assert len(memos) == 2 and all(m.startswith("'=") for m in memos), memos
        assert all(not c.startswith(("=", "+", "@")) for r in rows for c in r)
        person = tmp_path / "person.json"
        await cli("das", "person", "export", "--data", str(d), "p-0001", "--out", str(person))
        assert mode(person) == 0o600
        assert a.config.data_dir == d
    finally:
        os.umask(old)


def test_csv_cells_that_start_a_formula_are_neutralised_numbers_are_not() -> None:
    assert [csvout.neutralise(c) for c in ("=1+1", "+33 6", "-x", "@SUM(A1)", "\tx", "\rx", "-150", "+2.5", "ok", -3)] == [
        "'=1+1", "'+33 6", "'-x", "'@SUM(A1)", "'\tx", "'\rx", "-150", "+2.5", "ok", -3]
