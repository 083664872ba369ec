"""The ArtifactDriver port and what every driver shares: picking a driver by the
artifact's location field, describing a location without secrets, and retrying.

The executor calls drivers through `Drivers` (a mapping from a location kind such as
"raw", "local" or "s3" to a driver). Drivers translate their library's errors into
`NotFound` (the object is not there), `TransientError` (may work if retried) and
`PermanentError`; `RetryingDriver` is the one layer that retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from workflow_engine.errors import PermanentError, TransientError
from workflow_engine.spec.artifacts import Artifact

LOCATION_KINDS = (
    "s3",
    "git",
    "http",
    "raw",
    "local",
    "artifactory",
    "hdfs",
    "oss",
    "gcs",
    "azure",
)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How long a driver keeps trying through transient errors: `attempts` tries, waits
    growing from `initial_wait` (doubling) up to `max_wait` seconds."""

    attempts: int = 5
    initial_wait: float = 0.5
    max_wait: float = 8.0

    @property
    def budget(self) -> float:
        """The most time spent waiting between attempts, in seconds."""
        return float(
            sum(
                min(self.max_wait, self.initial_wait * 2**i)
                for i in range(max(0, self.attempts - 1))
            )
        )


DEFAULT_RETRY = RetryPolicy()


class ArtifactDriver(Protocol):
    def load(self, artifact: Artifact, dest: Path) -> None:
        """Put the stored object at `dest` (a file, or a directory for stores that keep
        directories); `dest`'s parent exists. A missing object raises NotFound."""
        ...

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        """Store `src` (a file or a directory) at the artifact's location; return the
        artifact with its final location."""
        ...

    def delete(self, artifact: Artifact) -> None:
        """Remove the stored object; a missing one is not an error."""
        ...


Drivers = Mapping[str, ArtifactDriver]


def location_kind(artifact: Artifact) -> str | None:
    """Which location field the artifact carries ("s3", "local", "raw"...), or None."""
    for kind in LOCATION_KINDS:
        if getattr(artifact, kind) is not None:
            return kind
    return None


def describe(artifact: Artifact) -> str:
    """`artifact 'name' (local key a/b.tgz)`: for messages; never credentials."""
    kind = location_kind(artifact)
    where = ""
    if kind is not None:
        loc = getattr(artifact, kind)
        detail = (
            getattr(loc, "key", None) or getattr(loc, "url", None) or getattr(loc, "repo", None)
        )
        if isinstance(detail, str) and kind in ("http", "git"):
            detail = public_url(detail)
        where = f" ({kind} {detail})" if isinstance(detail, str) and detail else f" ({kind})"
    return f"artifact {artifact.name!r}{where}"


def public_url(url: str) -> str:
    """The URL without user-info, query and fragment (a presigned URL's query is a
    credential): `https://u:p@h/p?sig=x` -> `https://h/p`. Non-URLs are kept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def driver_for(drivers: Drivers, artifact: Artifact) -> ArtifactDriver:
    kind = location_kind(artifact)
    if kind is None:
        raise PermanentError(f"{describe(artifact)} has no location")
    driver = drivers.get(kind)
    if driver is None:
        configured = ", ".join(sorted(drivers)) or "none"
        raise PermanentError(
            f"{describe(artifact)}: no driver for {kind!r} locations (available: {configured})"
        )
    return driver


class RetryingDriver:
    """Wraps a driver: TransientError is retried with exponential backoff; what stays
    broken raises TransientError naming the artifact and the number of attempts."""

    def __init__(
        self,
        inner: ArtifactDriver,
        *,
        attempts: int = 5,
        initial_wait: float = 0.2,
        max_wait: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._inner = inner
        self._attempts = attempts
        self._initial = initial_wait
        self._max = max_wait
        self._sleep = sleep

    def load(self, artifact: Artifact, dest: Path) -> None:
        self._call("load", artifact, lambda: self._inner.load(artifact, dest))

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        return self._call("save", artifact, lambda: self._inner.save(src, artifact))

    def delete(self, artifact: Artifact) -> None:
        self._call("delete", artifact, lambda: self._inner.delete(artifact))

    def _call(self, op: str, artifact: Artifact, fn: Callable[[], T]) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._initial, max=self._max),
            retry=retry_if_exception_type(TransientError),
            sleep=self._sleep,
        )
        try:
            return retrying(fn)
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            raise TransientError(
                f"{describe(artifact)}: {op} failed after {self._attempts} attempts: {cause}"
            ) from cause
