"""Lint's warnings (fields accepted but not honoured) in the server's answers, as the
Kubernetes API server gives them: one `Warning: 299 - "<path>: <reason>"` header per
warning (RFC 7234's warn-code 299, "miscellaneous persistent warning", which kubectl
and client-go print). The body stays Argo's, so clients that ignore headers see no
change. Used by every create, lint and update of a workflow, template or CronWorkflow.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Response

from workflow_engine.controller.spec_warnings import stored_warnings
from workflow_engine.errors import SpecWarning
from workflow_engine.store.base import Store

WARNING_HEADER = "Warning"
_O = TypeVar("_O", bound=dict[str, Any])


def warning_value(warning: SpecWarning) -> str:
    """The header value: warn-code, agent `-`, the text quoted (`"` and `\\` escaped)."""
    text = str(warning).replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{text}"'


def warned(response: Response, store: Store, obj: _O) -> _O:
    """`obj`, after adding a Warning header to `response` for each of its warnings."""
    for warning in stored_warnings(store, obj):
        response.headers.append(WARNING_HEADER, warning_value(warning))
    return obj


__all__ = ["WARNING_HEADER", "warned", "warning_value"]
