"""`/api/v1/version`, `/api/v1/info`, `/api/v1/userinfo`: what Argo Server's
InfoService answers, in the shapes Hera's models require."""

from __future__ import annotations

import platform
import sys
from typing import Any

from fastapi import APIRouter, Depends, Request

from workflow_engine.server.access import authenticate, context_of
from workflow_engine.server.auth import Principal

router = APIRouter(prefix="/api/v1", tags=["InfoService"])


@router.get("/version", dependencies=[Depends(authenticate)])
def version(request: Request) -> dict[str, Any]:
    ctx = context_of(request)
    return {
        "version": ctx.version,
        "buildDate": "",
        "gitCommit": "",
        "gitTag": ctx.version,
        "gitTreeState": "",
        "goVersion": "",
        "compiler": f"python {sys.version.split()[0]}",
        "platform": f"{platform.system().lower()}/{platform.machine()}",
    }


@router.get("/info", dependencies=[Depends(authenticate)])
def info(request: Request) -> dict[str, Any]:
    return {
        "managedNamespace": context_of(request).managed_namespace,
        "links": [],
        "columns": [],
        "modals": {},
        "navColor": "",
    }


@router.get("/userinfo")
def userinfo(principal: Principal = Depends(authenticate)) -> dict[str, Any]:  # noqa: B008
    namespaces = sorted(principal.namespaces) if principal.namespaces is not None else []
    return {"subject": principal.name, "groups": namespaces, "serviceAccountName": ""}
