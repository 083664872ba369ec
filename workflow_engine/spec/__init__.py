"""The API's models and their loading: Argo-compatible documents in, typed objects out.

Models live in `workflow_engine.spec.models`; this package's surface is the loading API.
Its names load on first use (PEP 562 `__getattr__`), so importing a light module of the
package (`spec.limits`, `spec.objects`) does not build the pydantic models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow_engine.spec.loader import (
        dump_yaml,
        format_path,
        load_documents,
        load_objects,
        parse_object,
        validation_errors,
    )
    from workflow_engine.spec.objects import (
        ACCEPTED_API_VERSIONS,
        API_GROUP,
        API_VERSION,
        ARGO_API_VERSION,
        KINDS,
    )

__all__ = [
    "ACCEPTED_API_VERSIONS",
    "API_GROUP",
    "API_VERSION",
    "ARGO_API_VERSION",
    "KINDS",
    "dump_yaml",
    "format_path",
    "load_documents",
    "load_objects",
    "parse_object",
    "validation_errors",
]

_OBJECTS = frozenset(
    {"ACCEPTED_API_VERSIONS", "API_GROUP", "API_VERSION", "ARGO_API_VERSION", "KINDS"}
)


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = "objects" if name in _OBJECTS else "loader"
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
