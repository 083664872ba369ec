"""Bearer tokens for `wf server`: who may call, and in which namespaces.

Sits at the server's edge, before any handler. Tokens come from a file the operator
writes (`--auth-token-file`), one per line:

    TOKEN                      every namespace, cluster-scoped objects included
    TOKEN ns1,ns2              only these namespaces (cluster templates: read only)
    # a comment

`Authorization: Bearer TOKEN` is what Hera sends (it adds `Bearer ` to a one-word
token); a bare one-word value is taken as the token too, and an empty header is the
same as none. Every configured token is compared in constant time.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workflow_engine.errors import SpecError

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-.")


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: `namespaces` None means every namespace."""

    name: str
    namespaces: frozenset[str] | None = None

    def may_use(self, namespace: str) -> bool:
        return self.namespaces is None or namespace in self.namespaces

    @property
    def cluster_wide(self) -> bool:
        return self.namespaces is None


ANONYMOUS = Principal("anonymous")


@dataclass(frozen=True)
class TokenGrant:
    token: bytes
    principal: Principal


class TokenAuth:
    """The configured tokens; `authenticate(header)` -> Principal or None."""

    def __init__(self, grants: Sequence[TokenGrant]) -> None:
        if not grants:
            raise SpecError("auth-token-file", "no token in the file")
        self._grants = list(grants)

    @classmethod
    def from_text(cls, text: str, source: str = "auth-token-file") -> TokenAuth:
        grants = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) > 2:
                raise SpecError(f"{source}:{number}", "expected TOKEN [NAMESPACE,...]")
            scope = None
            if len(parts) == 2:
                scope = frozenset(n.strip() for n in parts[1].split(",") if n.strip())
                bad = sorted(n for n in scope if not set(n) <= _NAME_CHARS)
                if not scope or bad:
                    raise SpecError(f"{source}:{number}", f"invalid namespace list {parts[1]!r}")
            grants.append(TokenGrant(parts[0].encode(), Principal(f"token-{number}", scope)))
        return cls(grants)

    @classmethod
    def from_file(cls, path: Path) -> TokenAuth:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError("--auth-token-file", f"{path}: {exc.strerror or exc}") from None
        return cls.from_text(text, str(path))

    def authenticate(self, header: str | None) -> Principal | None:
        token = bearer_token(header)
        if token is None:
            return None
        found = None
        for grant in self._grants:  # no early exit: the time does not tell which matched
            if hmac.compare_digest(grant.token, token) and found is None:
                found = grant.principal
        return found


def bearer_token(header: str | None) -> bytes | None:
    """The token of an Authorization header: `Bearer T` or a bare `T`; None when the
    header is absent, empty, or of another scheme (`Basic ...`)."""
    value = (header or "").strip()
    if not value or value.lower() == "bearer":
        return None
    scheme, _, rest = value.partition(" ")
    if not rest:
        return value.encode()
    if scheme.lower() != "bearer" or not rest.strip():
        return None
    return rest.strip().encode()
