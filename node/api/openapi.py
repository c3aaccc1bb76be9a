"""The OpenAPI 3.1 document of the admin API, generated from the route table so it never drifts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from node.api.framework import Route
from protocol.schema import FORMATS, INT64_MAX, INT64_MIN, MAX_TEXT, Field

_TYPES = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object", bytes: "string"}
_LENGTH = {str: ("minLength", "maxLength"), list: ("minItems", "maxItems"), dict: ("minProperties", "maxProperties")}


def _text_format(fmt: str | None) -> dict[str, Any]:
    if fmt is None:
        return {}
    if fmt == "date":  # a standard format: generators and validators know it
        return {"format": "date"}
    return {"pattern": f"^{FORMATS[fmt]}$"}


def field_schema(f: Field) -> dict[str, Any]:
    """The JSON Schema of a field, saying what `protocol.schema.field_problem` accepts."""
    s: dict[str, Any] = {"type": _TYPES.get(f.type, "string")}
    if f.choices:
        s["enum"] = sorted(f.choices)
    if f.type is int:
        # the framework refuses what SQLite cannot hold, so the document bounds every integer
        s["minimum"] = INT64_MIN if f.min is None else max(f.min, INT64_MIN)
        s["maximum"] = INT64_MAX if f.max is None else min(f.max, INT64_MAX)
    elif f.type in _LENGTH:
        lo, hi = _LENGTH[f.type]
        s[hi] = f.max_len if f.max_len is not None else MAX_TEXT
        if f.min is not None:
            s[lo] = f.min
    if f.type is str:
        s.update(_text_format(f.format))
    if f.type is list and f.items is not None:
        s["items"] = {"type": _TYPES.get(f.items, "string")}
        if f.items is str:
            s["items"].update(_text_format(f.format))
    return s


_ERROR = {
    "description": "Error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "field": {"type": "string", "description": "the parameter or body field to blame"},
                        },
                    }
                },
            }
        }
    },
}


# 403: a refused Host, or an action the territory may not take; 413: a body over the size limit;
# 502: a peer the operation needed did not answer; 503: the node is shutting down.
_ERROR_CODES = ("400", "401", "403", "404", "409", "413", "502", "503")


def document(routes: Sequence[Route], version: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for r in routes:
        content: dict[str, Any] = {"application/json": {"schema": {"type": "object"}}}
        content.update({media: {"schema": {"type": "string"}} for media in r.produces})
        op: dict[str, Any] = {
            "summary": r.summary,
            "tags": [r.tag],
            "operationId": re.sub(r"[^a-zA-Z0-9]+", "_", f"{r.method}_{r.path}").strip("_").lower(),
            "responses": {
                "200": {"description": r.responses.get("200", "Success"), "content": content},
                **{code: {"$ref": "#/components/responses/Error"} for code in _ERROR_CODES},
            },
        }
        params = [{"name": f.name, "in": "path", "required": True, "schema": field_schema(f)} for f in r.path_params()]
        params += [{"name": f.name, "in": "query", "required": f.required, "schema": field_schema(f)} for f in r.query_params()]
        if params:
            op["parameters"] = params
        if r.body:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": [f.name for f in r.body if f.required],
                            "properties": {f.name: field_schema(f) for f in r.body},
                        }
                    }
                },
            }
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Démocité node admin API", "version": version},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "responses": {"Error": _ERROR}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
