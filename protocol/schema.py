"""Declarative body schemas: each record kind lists its fields once, and bodies validate against them.

Unknown fields are refused so that two nodes never disagree on what a record says.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from protocol.errors import ErrorCode, RecordError

MAX_TEXT = 8192
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Text formats a field can declare. One pattern serves both the check and the API document (so a
# generated request that fits the document is not refused for its shape); the area's own parser
# still says precisely what is wrong in a value of the right shape (a 30th of February).
_YEAR = "(19|[2-9][0-9])[0-9]{2}"  # 1900-9999, as protocol.das.parse_period
FORMATS: Mapping[str, str] = MappingProxyType({
    "date": "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "period": _YEAR + "(-(Q[1-4]|0[1-9]|1[0-2]))?",
    "quarter": _YEAR + "-Q[1-4]",
    "hex64": "[0-9a-fA-F]{64}",
})
FORMAT_HINTS: Mapping[str, str] = MappingProxyType({
    "date": "a date YYYY-MM-DD",
    "period": "a period YYYY, YYYY-Qn or YYYY-MM (for example 2026-Q1)",
    "quarter": "a quarter YYYY-Qn (for example 2026-Q1)",
    "hex64": "64 hexadecimal characters",
})


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: builtins.type  # str, int, bytes, bool, list or dict
    required: bool = True
    max_len: int | None = None
    min: int | None = None
    max: int | None = None
    choices: frozenset[str] | None = None
    items: builtins.type | None = None  # element type of a list
    format: str | None = None  # a key of FORMATS, for a str or each str of a list
    # a nested shape the type alone cannot say (e.g. `protocol.actor`): what is wrong, or None
    check: Callable[[Any], str | None] | None = None

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in FORMATS:
            raise ValueError(f"field '{self.name}': unknown format '{self.format}'")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Why a body does not fit its schema, with the field it concerns (for programs) and a sentence."""

    field: str
    message: str  # "field 'x' must be ...", without the schema's name
    code: ErrorCode = ErrorCode.BAD_FIELD


@dataclass(frozen=True, slots=True)
class Schema:
    kind: str
    fields: tuple[Field, ...]
    doc: str = ""

    def validate(self, body: Mapping[str, Any]) -> None:
        problem = self.problem(body)
        if problem is not None:
            raise RecordError(f"{self.kind}: {problem.message}", problem.code)

    def problem(self, body: Mapping[str, Any]) -> FieldProblem | None:
        if not isinstance(body, Mapping):
            return FieldProblem("", "the body must be a map", ErrorCode.BAD_TYPE)
        names = {f.name for f in self.fields}
        extra = sorted(k for k in body if k not in names)
        if extra:
            return FieldProblem(str(extra[0]), f"unknown field '{extra[0]}' in the body")
        for f in self.fields:
            if f.name not in body or body[f.name] is None:
                if f.required:
                    return FieldProblem(f.name, f"field '{f.name}' is required")
                continue
            found = field_problem(f, body[f.name])
            if found is not None:
                text, code = found
                return FieldProblem(f.name, f"field '{f.name}' {text}", code)
        return None


def field_problem(f: Field, value: Any) -> tuple[str, ErrorCode] | None:
    """What is wrong with `value` for `f` ("must be an integer", ...), or None when it fits."""
    if f.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer", ErrorCode.BAD_TYPE
        if f.min is not None and value < f.min:
            return f"must be at least {f.min}", ErrorCode.BAD_FIELD
        if f.max is not None and value > f.max:
            return f"must be at most {f.max}", ErrorCode.BAD_FIELD
        return None
    if not isinstance(value, f.type):
        return f"must be of type {f.type.__name__}", ErrorCode.BAD_TYPE
    if isinstance(value, (str, bytes, list, dict)):
        limit = f.max_len if f.max_len is not None else MAX_TEXT
        if len(value) > limit:
            return f"is longer than {limit}", ErrorCode.BAD_FIELD
        if f.min is not None and len(value) < f.min:
            return f"is shorter than {f.min}", ErrorCode.BAD_FIELD
    if f.choices is not None and value not in f.choices:
        return f"must be one of: {', '.join(sorted(f.choices))}", ErrorCode.BAD_FIELD
    if f.format is not None and isinstance(value, str) and not re.fullmatch(FORMATS[f.format], value):
        return f"must be {FORMAT_HINTS[f.format]}", ErrorCode.BAD_FIELD
    if f.items is not None and isinstance(value, list):
        for item in value:
            if f.items is int and isinstance(item, bool):
                return "holds a non-integer", ErrorCode.BAD_TYPE
            if not isinstance(item, f.items):
                return f"holds an item that is not {f.items.__name__}", ErrorCode.BAD_TYPE
            if f.format is not None and isinstance(item, str) and not re.fullmatch(FORMATS[f.format], item):
                return f"holds an item that is not {FORMAT_HINTS[f.format]}", ErrorCode.BAD_FIELD
    if f.check is not None:
        wrong = f.check(value)
        if wrong is not None:
            return wrong, ErrorCode.BAD_FIELD
    return None
