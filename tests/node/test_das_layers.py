"""The DAS area's inside: routes go through `DasService`, which is composed of typed services, and
DAS storage answers typed rows (no dicts whose labels live apart from the SELECT)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

from node.das.base import DasContext
from node.das.service import DasService
from node.storage import das_persons, das_programme, das_rights, das_statements, das_summaries
from node.storage.das_query import select

ROOT = Path(__file__).resolve().parents[2]
STORES = (das_persons, das_programme, das_rights, das_statements, das_summaries)


def test_das_routes_import_nothing_from_storage() -> None:
    tree = ast.parse((ROOT / "node/das/routes.py").read_text())
    mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in mods if m.startswith("node.storage")}


def test_das_service_is_composed_of_typed_services_on_one_context() -> None:
    assert DasService.__mro__ == (DasService, object)
    parts = ("persons", "programme", "statements", "summaries")
    src = inspect.getsource(DasService)
    for mod in parts:
        assert f"self.{mod} = " in src
        classes = [c for _, c in inspect.getmembers(__import__(f"node.das.{mod}", fromlist=["x"]), inspect.isclass)
                   if c.__module__ == f"node.das.{mod}" and c.__name__.endswith("Service")]
        assert len(classes) == 1 and classes[0].__mro__ == (classes[0], object), mod
        hints = {f.name: f.type for f in dataclasses.fields(classes[0])}
        assert hints == {"ctx": "DasContext"}, mod
    assert dataclasses.is_dataclass(DasContext)


def test_das_storage_returns_rows_not_dicts() -> None:
    bad = [
        f"{mod.__name__}.{name}"
        for mod in STORES
        for name, fn in inspect.getmembers(mod, inspect.iscoroutinefunction)
        if fn.__module__ == mod.__name__ and "dict[str, Any]" in str(inspect.signature(fn).return_annotation)
    ]
    assert bad == []


def test_a_row_selects_its_fields() -> None:
    assert select(das_persons.Employer) == "SELECT id, name, kind, created_at"
    assert select(das_persons.Contract).endswith("superseded_by, reason, created_at")  # `accepted` is derived, not a column
    row = das_statements.LedgerLine(1, "2026-01-01", "credit", "person:1", 100, "", None)
    assert dataclasses.asdict(row) == {"txn": 1, "date": "2026-01-01", "kind": "credit", "account": "person:1",
                                       "amount_cents": 100, "memo": "", "statement": None}
    for mod in STORES:
        for _, cls in inspect.getmembers(mod, dataclasses.is_dataclass):
            params = getattr(cls, "__dataclass_params__", None)
            assert params is not None and params.frozen and hasattr(cls, "__slots__"), cls


def test_node_das_has_no_hex_helper_of_its_own() -> None:
    """Bytes become hex in JSON through node.jsonview.to_json only (a recursive helper here would be a fifth copy)."""
    bad = []
    for path in (ROOT / "node/das").glob("*.py"):
        for fn in ast.walk(ast.parse(path.read_text())):
            if isinstance(fn, ast.FunctionDef):
                calls = {c.func.id for c in ast.walk(fn) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
                if fn.name in calls and "bytes" in ast.unparse(fn):
                    bad.append(f"{path.name}:{fn.name}")
    assert bad == []
