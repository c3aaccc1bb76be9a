"""The OpenAPI 3.1 document of the admin API, generated from the route table so it never drifts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from node.api.framework import Route
from protocol.schema import Field

_TYPES = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object", bytes: "string"}


def field_schema(f: Field) -> dict[str, Any]:
    s: dict[str, Any] = {"type": _TYPES.get(f.type, "string")}
    if f.choices:
        s["enum"] = sorted(f.choices)
    if f.type is int:
        if f.min is not None:
            s["minimum"] = f.min
        if f.max is not None:
            s["maximum"] = f.max
    elif f.type is str and f.max_len:
        s["maxLength"] = f.max_len
    if f.type is list and f.items is not None:
        s["items"] = {"type": _TYPES.get(f.items, "string")}
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
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            }
        }
    },
}


def document(routes: Sequence[Route], version: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for r in routes:
        op: dict[str, Any] = {
            "summary": r.summary,
            "tags": [r.tag],
            "operationId": re.sub(r"[^a-zA-Z0-9]+", "_", f"{r.method}_{r.path}").strip("_").lower(),
            "responses": {
                "200": {"description": r.responses.get("200", "Success"), "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": _ERROR,
                "401": _ERROR,
                "404": _ERROR,
                "409": _ERROR,
            },
        }
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", r.path)
        ]
        params += [{"name": f.name, "in": "query", "required": f.required, "schema": field_schema(f)} for f in r.query]
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
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
