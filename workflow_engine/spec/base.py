"""Shared base of the API models: Argo's camelCase field names, strict by default.

Every model is frozen (change through `model_copy(update=...)` or named verbs), takes
both the camelCase alias and the Python name, and rejects unknown fields so lint can
name them. Kubernetes types we only pass through (volumes, affinity, probes...) are
`KubeObject`s that keep whatever fields they are given.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel

from workflow_engine.spec.times import format_time as format_time  # re-exported
from workflow_engine.spec.times import parse_time as parse_time  # re-exported


class ArgoModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        ser_json_timedelta="float",
    )

    def to_dict(self) -> dict[str, Any]:
        """The wire form: camelCase keys, unset fields left out (round-trips a document)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


class KubeObject(BaseModel):
    """A Kubernetes structure passed through unchanged (e.g. a volume or an affinity)."""

    model_config = ConfigDict(extra="allow", frozen=True)


def _stringify(value: Any) -> Any:
    """Argo's AnyString: parameter values may be written as numbers, booleans or JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return value


AnyString = Annotated[str, BeforeValidator(_stringify)]


def _int_or_string(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected an integer or a string, got a boolean")
    return value


IntOrString = Annotated[int | str, BeforeValidator(_int_or_string)]


Time = Annotated[datetime, PlainSerializer(format_time, return_type=str, when_used="json")]
