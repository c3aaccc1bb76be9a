"""The nested parts of `pacte.*` record bodies (criteria, budget lines, evaluation lines), validated.

The record schemas check a body's top level; these frozen dataclasses check what lists hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from protocol.errors import ErrorCode, RecordError


@dataclass(frozen=True, slots=True)
class Criterion:
    kind: str
    indicator: str
    unit: str
    baseline: int
    target: int

    def __post_init__(self) -> None:
        if self.kind not in ("social", "environmental"):
            raise RecordError(f"criterion '{self.indicator}': kind must be social or environmental")
        if not self.indicator or len(self.indicator) > 200 or len(self.unit) > 40:
            raise RecordError("a criterion names an indicator (at most 200 characters) and a unit (at most 40)")

    @classmethod
    def from_map(cls, m: Mapping[str, Any]) -> Criterion:
        return cls(**_fields(m, "criterion", {"kind": str, "indicator": str, "unit": str, "baseline": int, "target": int}))


@dataclass(frozen=True, slots=True)
class BudgetLine:
    year: int
    source: str
    cents: int

    def __post_init__(self) -> None:
        if not self.source or len(self.source) > 200 or self.cents < 0:
            raise RecordError("a budget line has a source and a non-negative amount in cents")

    @classmethod
    def from_map(cls, m: Mapping[str, Any]) -> BudgetLine:
        return cls(**_fields(m, "budget line", {"year": int, "source": str, "cents": int}))


@dataclass(frozen=True, slots=True)
class TaskForceResult:
    taskforce: bytes
    measures: tuple[tuple[str, int], ...]
    met: int
    missed: int
    spent_cents: int
    planned_cents: int

    @classmethod
    def from_map(cls, m: Mapping[str, Any]) -> TaskForceResult:
        f = _fields(
            m,
            "evaluation line",
            {"taskforce": bytes, "measures": list, "met": int, "missed": int, "spent_cents": int, "planned_cents": int},
        )
        measures = []
        for item in f["measures"]:
            x = _fields(item, "measure", {"indicator": str, "value": int})
            measures.append((x["indicator"], x["value"]))
        f["measures"] = tuple(measures)
        if min(f["met"], f["missed"], f["spent_cents"], f["planned_cents"]) < 0:
            raise RecordError("evaluation counts and amounts are not negative")
        return cls(**f)


def _fields(m: Any, what: str, spec: Mapping[str, type]) -> dict[str, Any]:
    if not isinstance(m, Mapping):
        raise RecordError(f"each {what} is a map", ErrorCode.BAD_TYPE)
    if set(m) != set(spec):
        raise RecordError(f"a {what} has exactly the fields {', '.join(sorted(spec))}")
    for name, typ in spec.items():
        value = m[name]
        if (typ is int and isinstance(value, bool)) or not isinstance(value, typ):
            raise RecordError(f"{what} field '{name}' must be of type {typ.__name__}", ErrorCode.BAD_TYPE)
    return dict(m)
