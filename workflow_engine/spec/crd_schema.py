"""Structural OpenAPI v3 schemas for the CRDs, derived from the spec models.

Under `crds.py`. Pydantic writes a JSON Schema with `$ref`s, `anyOf` for optional
fields and defaults; the API server wants a *structural* schema: no `$ref`, a
`type` on every node, no defaults we did not mean. This walk inlines references,
turns `X | None` into `X`, `int | str` into `x-kubernetes-int-or-string`, keeps
passed-through Kubernetes structures (`KubeObject`) and free-form values open with
`x-kubernetes-preserve-unknown-fields` (and every object keeps fields it does not
know: typed where we know them, never pruned), and cuts recursion (a step's inline
template is a template) by leaving the recursive point open: the API server checks
the levels above it and our lint checks everything.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from workflow_engine.spec.base import _stringify

Schema = dict[str, Any]

OPEN_OBJECT: Schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
ANY_VALUE: Schema = {"x-kubernetes-preserve-unknown-fields": True}


class _Generator(GenerateJsonSchema):
    """Argo's AnyString (a parameter value written as a number, a boolean or JSON)
    takes any scalar on the wire: say so instead of `type: string`."""

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> Any:
        if schema["function"].get("function") is _stringify:
            return dict(ANY_VALUE)
        return super().function_before_schema(schema)


# Typed where first met only (a workflow's `templates`); later places (e.g.
# `templateDefaults`) stay open: each typed copy of a template costs the API server
# about 60 kB of schema to build and keep, per CRD.
_TYPED_ONCE = frozenset({"Template"})


def structural_schema(model: type[BaseModel]) -> Schema:
    """The model's schema (by alias) in the structural form the API server accepts."""
    raw = model.model_json_schema(by_alias=True, schema_generator=_Generator, mode="validation")
    definitions = raw.get("$defs", {})
    return _convert(raw, definitions, (), set())


def _convert(
    node: JsonSchemaValue, defs: dict[str, Any], stack: tuple[str, ...], done: set[str]
) -> Schema:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in stack or name in done:
            return dict(OPEN_OBJECT)  # recursion (or typed already): lint judges it
        if name in _TYPED_ONCE:
            done.add(name)
        return _convert(defs[name], defs, (*stack, name), done)
    if "x-kubernetes-preserve-unknown-fields" in node:
        return dict(node)
    for union in ("anyOf", "oneOf"):
        if union in node:
            return _union(node[union], defs, stack, done)
    if "allOf" in node and len(node["allOf"]) == 1:
        return _convert(node["allOf"][0], defs, stack, done)
    if "const" in node:
        return {"type": "string"} if isinstance(node["const"], str) else dict(ANY_VALUE)
    kind = node.get("type")
    if kind == "object":
        return _object(node, defs, stack, done)
    if kind == "array":
        items = node.get("items")
        return {
            "type": "array",
            "items": _convert(items, defs, stack, done) if items else ANY_VALUE,
        }
    if kind in ("string", "integer", "number", "boolean"):
        out: Schema = {"type": kind}
        if "enum" in node and kind == "string":
            out["enum"] = list(node["enum"])
        return out
    return dict(ANY_VALUE)  # Any


def _union(
    options: list[Any], defs: dict[str, Any], stack: tuple[str, ...], done: set[str]
) -> Schema:
    present = [o for o in options if o.get("type") != "null"]
    if len(present) == 1:
        return _convert(present[0], defs, stack, done)
    types = {o.get("type") for o in present}
    if types == {"integer", "string"}:
        return {"x-kubernetes-int-or-string": True}
    return dict(ANY_VALUE)


def _object(
    node: JsonSchemaValue, defs: dict[str, Any], stack: tuple[str, ...], done: set[str]
) -> Schema:
    properties = node.get("properties")
    extra = node.get("additionalProperties")
    if not properties:
        if isinstance(extra, dict) and extra:
            return {"type": "object", "additionalProperties": _convert(extra, defs, stack, done)}
        return dict(OPEN_OBJECT)  # a KubeObject or a free-form dict
    out: Schema = {
        "type": "object",
        "properties": {
            key: _convert(value, defs, stack, done) for key, value in properties.items()
        },
    }
    if node.get("required"):
        out["required"] = list(node["required"])
    # Known fields are typed; unknown ones are kept, not pruned: the server never drops
    # data silently, and lint names an unknown field at its path (as Argo's controller
    # judges what its CRDs let through).
    out["x-kubernetes-preserve-unknown-fields"] = True
    return out
