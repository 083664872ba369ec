"""Argo Server's error body, and the translation of our error taxonomy into it.

Sits at the HTTP edge of the server room: every failure leaves as grpc-gateway's shape
`{"code": <gRPC code>, "message": str, "error": str, "details": []}` with the HTTP
status grpc-gateway gives that code, so Hera's exception mapping (400, 401, 403, 404,
409, 500, 501) and its `resp.json()["message"]` both work.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from workflow_engine.controller import OperationError
from workflow_engine.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    SpecError,
    TransientError,
    WorkflowEngineError,
)

# gRPC codes with the HTTP status grpc-gateway maps them to
INVALID_ARGUMENT = (3, 400)
NOT_FOUND = (5, 404)
ALREADY_EXISTS = (6, 409)
PERMISSION_DENIED = (7, 403)
FAILED_PRECONDITION = (9, 400)
ABORTED = (10, 409)
UNIMPLEMENTED = (12, 501)
INTERNAL = (13, 500)
UNAVAILABLE = (14, 503)
UNAUTHENTICATED = (16, 401)
_BY_STATUS = {
    400: INVALID_ARGUMENT,
    401: UNAUTHENTICATED,
    403: PERMISSION_DENIED,
    404: NOT_FOUND,
    405: (12, 405),
    409: ALREADY_EXISTS,
    413: (8, 413),
    415: INVALID_ARGUMENT,
}


@dataclass
class ApiError(Exception):
    """An error with its gRPC code and HTTP status: raise it anywhere in a handler."""

    kind: tuple[int, int]
    message: str

    def __str__(self) -> str:
        return self.message


def error_body(code: int, message: str) -> dict[str, object]:
    return {"code": code, "message": message, "error": message, "details": []}


def error_response(kind: tuple[int, int], message: str) -> JSONResponse:
    code, status = kind
    return JSONResponse(error_body(code, message), status_code=status)


def translate(exc: Exception) -> tuple[tuple[int, int], str]:
    """Our taxonomy -> (gRPC code, HTTP status), message."""
    if isinstance(exc, ApiError):
        return exc.kind, exc.message
    if isinstance(exc, SpecError):
        return INVALID_ARGUMENT, "; ".join(str(exc).splitlines())
    if isinstance(exc, NotFound):
        return NOT_FOUND, str(exc) or "not found"
    if isinstance(exc, AlreadyExists):
        return ALREADY_EXISTS, str(exc)
    if isinstance(exc, Conflict):
        return ABORTED, str(exc) or "the object changed; read it again"
    if isinstance(exc, OperationError):
        return FAILED_PRECONDITION, str(exc)
    if isinstance(exc, TransientError):
        return UNAVAILABLE, str(exc)
    if isinstance(exc, WorkflowEngineError):
        return INTERNAL, str(exc)
    return INTERNAL, "internal error"


async def handle_engine_error(_: Request, exc: Exception) -> JSONResponse:
    kind, message = translate(exc)
    return error_response(kind, message)


async def handle_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            problems.append(f"the body is not valid JSON: {error.get('ctx', {}).get('error', '')}")
            continue
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return error_response(INVALID_ARGUMENT, "; ".join(problems) or "invalid request")


async def handle_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, _status = _BY_STATUS.get(exc.status_code, INTERNAL)
    response = JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response
