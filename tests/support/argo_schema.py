"""Documents with every field of Argo's schema set, built from Hera's generated models.

Hera (a test dependency) ships pydantic models generated from Argo's published OpenAPI
schema (`hera.workflows.models`). Walking them gives every field path of a Workflow,
WorkflowTemplate or CronWorkflow; `full_document` sets each to a valid value of its
type, so a test can lint the result and name every field we refuse. A model already
being filled higher up the path (a template inside a step's `inline`) is not entered
again, so the document is finite.
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

from pydantic import BaseModel, RootModel

# k8s' IntOrString and Quantity are strings in the generated models; a number is the
# common spelling and both are valid
_ROOT_VALUES = {"IntOrString": 1, "Quantity": "1", "Time": "2024-01-01T00:00:00Z"}
_ROOT_VALUES |= {"MicroTime": "2024-01-01T00:00:00.000000Z", "Duration": "10s"}
# strings whose schema asks for a particular form
_FIELD_VALUES: dict[str, Any] = {
    "duration": "10s",
    "max_duration": "1m",
    "cap": "1m",
    "timeout": "30s",
    "schedule": "*/5 * * * *",
    "schedules": ["*/5 * * * *"],
    "timezone": "UTC",
    "api_version": "v1",
    "shutdown": "Stop",
    "concurrency_policy": "Allow",
}


def field_name(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    return info.alias or name


def value_of(annotation: Any, stack: tuple[type, ...], name: str = "") -> Any:
    """A valid value of `annotation` (None when only a recursion could give one)."""
    if name in _FIELD_VALUES:
        return _FIELD_VALUES[name]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return value_of(args[0], stack, name)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return value_of(options[0], stack, name)
    if origin is typing.Literal:
        return args[0]
    if origin is list:
        item = value_of(args[0], stack)
        return None if item is None else [item]
    if origin is dict:
        item = value_of(args[1], stack)
        return None if item is None else {"key": item}
    if isinstance(annotation, type):
        return _value_of_type(annotation, stack)
    return "x"


def _value_of_type(annotation: type, stack: tuple[type, ...]) -> Any:
    if issubclass(annotation, enum.Enum):
        return next(iter(annotation)).value
    if issubclass(annotation, bool):
        return True
    if issubclass(annotation, int | float):
        return 1
    if issubclass(annotation, str):
        return "x"
    if issubclass(annotation, RootModel) or "root" in getattr(annotation, "model_fields", {}):
        if annotation.__name__ in _ROOT_VALUES:
            return _ROOT_VALUES[annotation.__name__]
        return value_of(annotation.model_fields["root"].annotation, stack)
    if issubclass(annotation, BaseModel):
        if annotation in stack:
            return None
        return model_value(annotation, stack)
    return "x"


def model_value(model: type[BaseModel], stack: tuple[type, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        value = value_of(info.annotation, (*stack, model), name)
        if value is not None:
            out[field_name(model, name)] = value
    return out


def field_paths(value: Any, prefix: str = "") -> list[str]:
    """Every leaf path of a document (`spec.templates[0].container.image`)."""
    if isinstance(value, dict):
        return [
            p for k, v in value.items() for p in field_paths(v, f"{prefix}.{k}" if prefix else k)
        ]
    if isinstance(value, list):
        return [p for v in value for p in field_paths(v, f"{prefix}[0]")]
    return [prefix]
