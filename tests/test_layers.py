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


def _modules(path: Path) -> set[str]:
    """Every module a file imports, by full name (`from node import storage` counts as node.storage)."""
    out: set[str] = set()
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.Import):
            out |= {a.name for a in n.names}
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            out.add(n.module)
            out |= {f"{n.module}.{a.name}" for a in n.names}
    return out


def _front_door(rel: str) -> bool:
    """Where people and peers come in: the CLI, every module between nodes, admin routes and commands."""
    name = rel.rsplit("/", 1)[-1]
    return rel == "cli.py" or rel.startswith("federation/") or "/commands/" in rel or name == "routes.py"


def test_storage_is_private_to_node() -> None:
    """`Node` is the one door into a node's state: nothing outside `node/`, and no front door,
    imports `node.storage` or touches a node's database handle."""
    bad = []
    for _pkg, path in _files():
        rel = str(path.relative_to(ROOT))
        outside = not rel.startswith("node/")
        if outside or _front_door(rel):
            bad += [f"{rel} imports {m}" for m in _modules(path) if m == "node.storage" or m.startswith("node.storage.")]
        if outside and re.search(r"\bnode\.db\b", path.read_text()):
            bad.append(f"{rel} touches node.db")
    assert not bad, bad


def test_stores_are_built_only_in_storage() -> None:
    """The node owns its stores (`node.storage.stores.Stores`): no one builds another on the side."""
    bad = [
        str(p.relative_to(ROOT))
        for _pkg, p in _files()
        if not str(p.relative_to(ROOT)).startswith("node/storage/") and re.search(r"\b[A-Z]\w*Store\(", p.read_text())
    ]
    assert not bad, bad


def test_stored_records_are_decoded_only_in_storage() -> None:
    """Stores return records with their body decoded: reading `raw` back into a body is done once."""
    bad = [
        str(p.relative_to(ROOT))
        for _pkg, p in _files()
        if not str(p.relative_to(ROOT)).startswith("node/storage/") and re.search(r"decode\(\w+\.raw\)", p.read_text())
    ]
    assert not bad, bad
