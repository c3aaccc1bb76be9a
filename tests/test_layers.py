"""The import direction protocol <- node <- federation <- cli, and protocol's purity."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RANK = {"protocol": 0, "node": 1, "federation": 2, "cli": 3}
FORBIDDEN_IN_PROTOCOL = {"asyncio", "aiohttp", "aiosqlite", "sqlite3", "socket", "time", "os", "pathlib", "apscheduler", "random", "secrets"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            out |= {a.name.split(".")[0] for a in n.names}
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            out.add(n.module.split(".")[0])
    return out


def _files() -> list[tuple[str, Path]]:
    out = [("cli", ROOT / "cli.py")]
    for pkg in ("protocol", "node", "federation"):
        out += [(pkg, p) for p in (ROOT / pkg).rglob("*.py")]
    return out


def test_layers_only_import_downwards() -> None:
    bad = []
    for pkg, path in _files():
        for mod in _imports(path):
            if mod in RANK and RANK[mod] > RANK[pkg]:
                bad.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not bad, bad


def test_protocol_does_no_io() -> None:
    bad = [f"{p.relative_to(ROOT)} imports {m}" for pkg, p in _files() if pkg == "protocol" for m in _imports(p) & FORBIDDEN_IN_PROTOCOL]
    # dates may be parsed in protocol/, but the clock is never read there: `now` is an argument
    bad += [
        f"{p.relative_to(ROOT)} reads the clock"
        for pkg, p in _files()
        if pkg == "protocol" and re.search(r"\.(now|today|utcnow)\(|\btime\.(time|monotonic)", p.read_text())
    ]
    assert not bad, bad


def test_only_storage_runs_sql_and_one_module_imports_apscheduler() -> None:
    sql_users, sched_users = [], []
    for _pkg, path in _files():
        mods = _imports(path)
        rel = str(path.relative_to(ROOT))
        if mods & {"sqlite3", "aiosqlite"} and not rel.startswith("node/storage/"):
            sql_users.append(rel)
        if "apscheduler" in mods:
            sched_users.append(rel)
    assert not sql_users, sql_users
    assert len(sched_users) <= 1, sched_users


def test_only_the_client_module_calls_peers() -> None:
    callers = [
        str(p.relative_to(ROOT))
        for _pkg, p in _files()
        if "ClientSession(" in p.read_text() and p.name not in ("runtime.py",)
    ]
    assert all(c.startswith("federation/") for c in callers), callers
