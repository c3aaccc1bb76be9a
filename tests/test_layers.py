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


# -- one pattern for routes, one for commands, no cycles -------------------------------------------


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _is_routes_module(rel: str) -> bool:
    return rel.endswith("/routes.py") or "/routes/" in rel


# the peer API's endpoints, the admin framework itself and the runtime that mounts both
PEER_AND_RUNTIME = {"federation/peer/server.py", "federation/peer/proof.py", "federation/runtime.py", "node/api/framework.py"}


# the web door: its pages are HTTP handlers by nature, declared as `Page`s (federation/web/pages.py)
WEB_DOOR = "federation/web/"


def test_only_the_runtime_mounts_the_web_door() -> None:
    """The web door is the top floor beside cli.py: nothing below imports it but the runtime that
    mounts it, and it reaches the node's state only through services (never node.storage)."""
    bad = []
    for _pkg, path in _files():
        rel = _rel(path)
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        if not rel.startswith(WEB_DOOR) and rel != "federation/runtime.py" and any(m.startswith("federation.web") for m in names):
            bad.append(f"{rel} imports the web door")
        if rel.startswith(WEB_DOOR) and any(m.startswith("node.storage") for m in names):
            bad.append(f"{rel} imports node.storage: go through a service")
    assert not bad, bad


def _takes_a_request(fn: ast.AsyncFunctionDef | ast.FunctionDef) -> bool:
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    return any(a.annotation is not None and ast.unparse(a.annotation) in ("web.Request", "aiohttp.web.Request") for a in args)


def test_routes_and_handlers_live_in_routes_modules() -> None:
    """Every area's admin HTTP handlers and its `ROUTES` are in `<area>/routes.py` (or a routes/
    package); domain modules hold no handler and no route list."""
    bad = []
    for _pkg, path in _files():
        rel = _rel(path)
        if _is_routes_module(rel):
            continue
        tree = ast.parse(path.read_text())
        for n in tree.body:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == "ROUTES" for t in targets):
                bad.append(f"{rel} defines ROUTES")
        if rel in PEER_AND_RUNTIME or rel.startswith(WEB_DOOR):
            continue
        bad += [f"{rel}:{n.lineno} {n.name} is an HTTP handler" for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and _takes_a_request(n)]
        if re.search(r"\bRoute\(", path.read_text()):
            bad.append(f"{rel} declares a Route")
    assert not bad, bad


def test_every_routes_module_is_mounted_by_the_runtime() -> None:
    """`federation.runtime.admin_routes()` is the one place admin routes are mounted: every
    routes module's `ROUTES` is in it."""
    import importlib

    from federation.runtime import admin_routes

    mounted = {(r.method, r.path) for r in admin_routes()}
    missing = []
    for _pkg, path in _files():
        rel = _rel(path)
        if _is_routes_module(rel) and path.name != "__init__.py":
            mod = importlib.import_module(rel[:-3].replace("/", "."))
            missing += [f"{rel}: {r.method} {r.path}" for r in mod.ROUTES if (r.method, r.path) not in mounted]
    assert not missing, missing


def _uses_argparse(path: Path) -> bool:
    text = path.read_text()
    return "argparse" in _imports(path) or re.search(r"\.(add_parser|add_argument|add_subparsers|add_argument_group)\(", text) is not None


def test_argparse_only_in_cli_and_commands() -> None:
    """Command-line code lives in `cli.py`, the `*/commands/` folders and `python -m` entry points
    (`__main__.py`, e.g. `python -m federation.sim`), nowhere else."""
    bad = [_rel(p) for _pkg, p in _files()
           if _rel(p) != "cli.py" and "/commands/" not in _rel(p) and p.name != "__main__.py" and _uses_argparse(p)]
    assert not bad, bad


# Modules of the commands folders that are not command groups: shared helpers, and the handlers a
# group's parser (`register`) imports when one module would pass ~400 lines.
COMMAND_HELPERS = {"node/commands/util.py", "node/commands/das_util.py", "federation/commands/bundle_fetch.py"}
COMMAND_HANDLERS = {
    "node/commands/das_people.py": "node/commands/das.py",
    "node/commands/das_programme.py": "node/commands/das.py",
    "node/commands/das_reports.py": "node/commands/das.py",
    "node/commands/verify.py": "node/commands/pacte.py",
    "node/commands/pacte_actions.py": "node/commands/pacte.py",
}


def test_every_command_module_exposes_register() -> None:
    """A command module exposes `register(subparsers)` and is reached from `cli.py::_extensions`
    (directly or through the group that nests it); helpers and handler halves are named above."""
    cli_text = (ROOT / "cli.py").read_text()
    bad = []
    for _pkg, path in _files():
        rel = _rel(path)
        if "/commands/" not in rel or path.name == "__init__.py" or rel in COMMAND_HELPERS:
            continue
        mod = rel[:-3].replace("/", ".")
        tree = ast.parse(path.read_text())
        if rel in COMMAND_HANDLERS:
            if mod not in _modules(ROOT / COMMAND_HANDLERS[rel]):
                bad.append(f"{rel} is not imported by {COMMAND_HANDLERS[rel]}")
            continue
        if not any(isinstance(n, ast.FunctionDef) and n.name == "register" for n in tree.body):
            bad.append(f"{rel} has no register(subparsers)")
        parent, name = mod.rsplit(".", 1)
        importers = [_rel(p) for _k, p in _files() if mod in _modules(p) or f"{parent}.{name}" in _modules(p)]
        if f"from {parent} import {name}" not in cli_text and not any("/commands/" in i for i in importers):
            bad.append(f"{rel} is registered nowhere: add its register to cli.py::_extensions")
    assert not bad, bad


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports run when the module loads: module level (inside if/try too), not inside functions
    and not under `if TYPE_CHECKING:`."""
    out: list[ast.Import | ast.ImportFrom] = []

    def walk(stmts: list[ast.stmt]) -> None:
        for s in stmts:
            if isinstance(s, (ast.Import, ast.ImportFrom)):
                out.append(s)
            elif isinstance(s, ast.If) and not (isinstance(s.test, ast.Name) and s.test.id == "TYPE_CHECKING"):
                walk(s.body)
                walk(s.orelse)
            elif isinstance(s, ast.Try):
                walk(s.body)
                walk(s.orelse)
                walk(s.finalbody)
                for h in s.handlers:
                    walk(h.body)

    walk(tree.body)
    return out


def _import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for _pkg, p in _files()}
    graph: dict[str, set[str]] = {}
    for mod, path in paths.items():
        deps: set[str] = set()
        for n in _runtime_imports(ast.parse(path.read_text())):
            if isinstance(n, ast.Import):
                deps |= {a.name for a in n.names}
                continue
            base = n.module or ""
            if n.level:
                pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
                base = ".".join([*pkg[: len(pkg) - n.level + 1], *([base] if base else [])])
            deps |= {f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in n.names}
        graph[mod] = {d for d in deps if d in paths and d != mod}
    return graph


def test_no_import_cycle() -> None:
    """The project's modules import each other without a cycle (imports inside functions aside):
    a shared piece goes down a layer instead of being imported both ways."""
    graph = _import_graph()
    assert "federation.coop.routes" in graph and "federation.coop.fund" in graph["federation.coop.routes"]
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(mod: str, path: list[str]) -> None:
        for dep in sorted(graph[mod]):
            if dep in path:
                cycles.append([*path[path.index(dep):], dep])
            elif dep not in done:
                visit(dep, [*path, dep])
        done.add(mod)

    for mod in sorted(graph):
        if mod not in done:
            visit(mod, [mod])
    assert not cycles, [" -> ".join(c) for c in cycles]


def test_domain_modules_of_coop_and_network_do_not_import_aiohttp() -> None:
    """Cooperation and network logic is HTTP-free: only their routes modules speak aiohttp."""
    bad = []
    for folder in ("federation/coop", "federation/network"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = _rel(path)
            if _is_routes_module(rel):
                continue
            mods = {m for n in _runtime_imports(ast.parse(path.read_text())) for m in
                    ([a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""])}
            if any(m == "aiohttp" or m.startswith("aiohttp.") for m in mods):
                bad.append(rel)
    assert not bad, bad


def test_every_area_module_is_registered() -> None:
    """An area adds one line per layer's registry (see docs/DECISIONS.md, "No Area descriptor"):
    a `kinds_<area>`, `schema_<area>` or `checkers_<area>` module left out of its registry fails here,
    as a routes module left out of `admin_routes` and a command group left out of `_extensions` do above."""
    import importlib

    from node.storage.migrations import MIGRATIONS
    from protocol.audit.registry import CHECKERS
    from protocol.kinds import KINDS

    registries = (
        ("protocol", "kinds_*.py", "SCHEMAS", set(KINDS.values()), "protocol/kinds.py"),
        ("node/storage", "schema_*.py", "MIGRATIONS", set(MIGRATIONS), "node/storage/migrations.py"),
        ("protocol/audit", "checkers_*.py", "CHECKERS", set(CHECKERS), "protocol/audit/registry.py"),
    )
    missing = []
    for folder, pattern, name, registered, registry in registries:
        for path in sorted((ROOT / folder).glob(pattern)):
            items = getattr(importlib.import_module(_module_name(path)), name)
            if not items or not set(items) <= registered:
                missing.append(f"{_rel(path)}: add its {name} to {registry}")
    assert not missing, missing
