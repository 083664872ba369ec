"""The edge of the Kubernetes store: API server answers -> our error taxonomy.

The API server says what went wrong in a `Status` object (code, reason,
details.causes with field paths). This module turns one into the matching
`workflow_engine.errors` class, so nothing above the store sees HTTP codes.
Invalid objects become `SpecError`s at the field path the server names.
"""

from __future__ import annotations

import json
from typing import Any

from workflow_engine.errors import (
    AlreadyExists,
    Conflict,
    Expired,
    NotFound,
    PermanentError,
    SpecError,
    SpecErrors,
    TransientError,
    WorkflowEngineError,
)


class MissingNamespace(NotFound):
    """A create into a namespace that does not exist."""

    def __init__(self, message: str, namespace: str) -> None:
        super().__init__(message)
        self.namespace = namespace


_TRANSIENT_CODES = frozenset({0, 408, 429, 500, 502, 503, 504})


def parse_status(body: bytes | str | None) -> dict[str, Any]:
    """The `Status` object of an error answer (empty when the body is not one)."""
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        text = body if isinstance(body, str) else body.decode(errors="replace")
        return {"message": text[:300]}
    return data if isinstance(data, dict) else {}


def error_for(code: int, status: dict[str, Any], what: str) -> WorkflowEngineError:
    """The error for an answer with HTTP `code` about `what` (e.g. `Workflow ns/name`)."""
    reason = str(status.get("reason") or "")
    message = str(status.get("message") or f"HTTP {code}")
    text = f"{what}: {message}"
    if code == 404:
        namespace = missing_namespace(status)
        return MissingNamespace(text, namespace) if namespace else NotFound(text)
    if code == 409:
        return AlreadyExists(text) if reason == "AlreadyExists" else Conflict(text)
    if code == 410 or reason in ("Expired", "Gone"):
        return Expired(text)
    if code in (400, 422):
        return _invalid(status, message)
    if code in _TRANSIENT_CODES or reason in ("ServerTimeout", "Timeout", "TooManyRequests"):
        return TransientError(text)
    return PermanentError(text)


def _invalid(status: dict[str, Any], message: str) -> SpecError:
    causes = (status.get("details") or {}).get("causes") or []
    errors = [
        SpecError(str(c.get("field") or ""), str(c.get("message") or c.get("reason") or "invalid"))
        for c in causes
        if isinstance(c, dict)
    ]
    if len(errors) == 1:
        return errors[0]
    if errors:
        return SpecErrors(errors)
    return SpecError("", message)


def missing_namespace(status: dict[str, Any]) -> str | None:
    """The namespace a create was refused for because it does not exist, if that is why."""
    details = status.get("details") or {}
    if status.get("reason") == "NotFound" and details.get("kind") == "namespaces":
        name = details.get("name")
        return name if isinstance(name, str) else None
    return None
