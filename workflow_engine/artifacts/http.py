"""The `http` artifact driver: fetch an input artifact from a URL (GET), or store an
output with PUT; stdlib `urllib`, streamed in 1 MiB chunks.

`headers` are sent as given; `auth.basicAuth` takes its username and password from
secrets (`usernameSecret`, `passwordSecret`). Messages show the URL without user-info
or query string (a presigned URL's query is a credential). 404 is NotFound, 5xx/429,
timeouts and broken connections are TransientError, other answers PermanentError.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from workflow_engine.artifacts.base import public_url
from workflow_engine.artifacts.secrets import SecretResolver, redact, resolve
from workflow_engine.errors import NotFound, PermanentError, TransientError
from workflow_engine.spec.artifacts import Artifact, HTTPArtifact, SecretKeySelector

CHUNK = 1024 * 1024
DEFAULT_TIMEOUT = 60.0


class HTTPDriver:
    def __init__(self, secrets: SecretResolver, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._secrets = secrets
        self._timeout = timeout

    def load(self, artifact: Artifact, dest: Path) -> None:
        loc, headers, hidden = self._request_parts(artifact)
        request = urllib.request.Request(loc.url, headers=headers, method="GET")
        with self._open(request, artifact, "load", hidden) as response, open(dest, "wb") as out:
            shutil.copyfileobj(response, out, CHUNK)

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        if src.is_dir():
            raise PermanentError(
                f"artifact {artifact.name!r}: an http location takes one file; archive the "
                "directory (tar or zip) instead of `archive: none`"
            )
        loc, headers, hidden = self._request_parts(artifact)
        with open(src, "rb") as f:
            headers["Content-Length"] = str(os.fstat(f.fileno()).st_size)
            headers.setdefault("Content-Type", "application/octet-stream")
            request = urllib.request.Request(loc.url, data=f, headers=headers, method="PUT")
            with self._open(request, artifact, "save", hidden):
                pass
        return artifact

    def delete(self, artifact: Artifact) -> None:
        loc, headers, hidden = self._request_parts(artifact)
        request = urllib.request.Request(loc.url, headers=headers, method="DELETE")
        try:
            with self._open(request, artifact, "delete", hidden):
                pass
        except NotFound:
            return

    def _request_parts(self, artifact: Artifact) -> tuple[HTTPArtifact, dict[str, str], list[str]]:
        loc = artifact.http
        if loc is None:
            raise PermanentError(f"artifact {artifact.name!r} has no http location")
        headers = {h.name: h.value for h in loc.headers or ()}
        hidden: list[str] = []
        basic = _basic_auth(loc.auth)
        if basic is not None:
            what = f"artifact {artifact.name!r}: auth.basicAuth"
            user = resolve(self._secrets, basic[0], f"{what}.usernameSecret") or ""
            password = resolve(self._secrets, basic[1], f"{what}.passwordSecret") or ""
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
            hidden += [password, token]
        return loc, headers, hidden

    def _open(
        self, request: urllib.request.Request, artifact: Artifact, op: str, hidden: list[str]
    ) -> Any:
        where = f"artifact {artifact.name!r}: {op} {public_url(request.full_url)}"
        try:
            return urllib.request.urlopen(request, timeout=self._timeout)
        except urllib.error.HTTPError as exc:
            reason = redact(f"HTTP {exc.code} {exc.reason}", hidden)
            exc.close()
            if exc.code == 404:
                raise NotFound(f"{where}: {reason}") from None
            if exc.code >= 500 or exc.code in (408, 429):
                raise TransientError(f"{where}: {reason}") from None
            if exc.code in (401, 403):
                raise PermanentError(f"{where}: {reason} (credentials refused)") from None
            raise PermanentError(f"{where}: {reason}") from None
        except urllib.error.URLError as exc:
            cause = exc.reason
            if isinstance(cause, OSError | socket.timeout):
                raise TransientError(f"{where}: {redact(str(cause), hidden)}") from None
            raise PermanentError(f"{where}: {redact(str(cause), hidden)}") from None
        except (TimeoutError, ConnectionError) as exc:
            raise TransientError(f"{where}: {redact(str(exc), hidden)}") from None
        except ValueError as exc:
            raise PermanentError(f"{where}: {exc}") from None


def _basic_auth(auth: Any) -> tuple[SecretKeySelector | None, SecretKeySelector | None] | None:
    if not auth:
        return None
    data = auth.model_dump(by_alias=True) if hasattr(auth, "model_dump") else dict(auth)
    unsupported = sorted(set(data) - {"basicAuth"})
    if unsupported:
        raise PermanentError(f"http artifact auth {', '.join(unsupported)} is not supported")
    basic = data.get("basicAuth") or {}
    user = basic.get("usernameSecret")
    password = basic.get("passwordSecret")
    return (
        SecretKeySelector.model_validate(user) if user else None,
        SecretKeySelector.model_validate(password) if password else None,
    )
