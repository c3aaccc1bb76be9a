"""Declarative body schemas: each record kind lists its fields once, and bodies validate against them.

Unknown fields are refused so that two nodes never disagree on what a record says.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from protocol.errors import ErrorCode, RecordError

MAX_TEXT = 8192


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


@dataclass(frozen=True, slots=True)
class Schema:
    kind: str
    fields: tuple[Field, ...]
    doc: str = ""

    def validate(self, body: Mapping[str, Any]) -> None:
        if not isinstance(body, Mapping):
            raise RecordError(f"{self.kind}: the body must be a map", ErrorCode.BAD_TYPE)
        names = {f.name for f in self.fields}
        extra = sorted(k for k in body if k not in names)
        if extra:
            raise RecordError(f"{self.kind}: unknown field '{extra[0]}' in the body")
        for f in self.fields:
            if f.name not in body or body[f.name] is None:
                if f.required:
                    raise RecordError(f"{self.kind}: field '{f.name}' is required")
                continue
            _check_field(self.kind, f, body[f.name])


def _check_field(kind: str, f: Field, value: Any) -> None:
    where = f"{kind}: field '{f.name}'"
    if f.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(f"{where} must be an integer", ErrorCode.BAD_TYPE)
        if f.min is not None and value < f.min:
            raise RecordError(f"{where} must be at least {f.min}")
        if f.max is not None and value > f.max:
            raise RecordError(f"{where} must be at most {f.max}")
        return
    if not isinstance(value, f.type):
        raise RecordError(f"{where} must be of type {f.type.__name__}", ErrorCode.BAD_TYPE)
    if isinstance(value, (str, bytes, list, dict)):
        limit = f.max_len if f.max_len is not None else MAX_TEXT
        if len(value) > limit:
            raise RecordError(f"{where} is longer than {limit}")
        if f.min is not None and len(value) < f.min:
            raise RecordError(f"{where} is shorter than {f.min}")
    if f.choices is not None and value not in f.choices:
        raise RecordError(f"{where} must be one of: {', '.join(sorted(f.choices))}")
    if f.items is not None and isinstance(value, list):
        for item in value:
            if f.items is int and isinstance(item, bool):
                raise RecordError(f"{where} holds a non-integer", ErrorCode.BAD_TYPE)
            if not isinstance(item, f.items):
                raise RecordError(f"{where} holds an item that is not {f.items.__name__}", ErrorCode.BAD_TYPE)
