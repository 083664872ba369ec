"""The `s3` artifact driver: any S3-compatible store (AWS S3, MinIO, SeaweedFS) through
the `minio` SDK.

An artifact's `s3` section may be complete (endpoint, bucket, key, credentials) or
key-only (`s3: {key: ...}`, as Argo keeps outputs in node status): missing fields come
from the artifact repository's `s3` section given to the driver. Credentials are read
through a `SecretResolver` just before use and never appear in a message.

Data streams in both directions: uploads go through `put_object` with a fixed part
size (memory is bounded by a few parts, whatever the size), downloads are copied in
1 MiB chunks. A directory stored unarchived (`archive: none`) is one object per file
under `<key>/`. Errors are translated at this edge: timeouts, refused connections and
5xx answers are `TransientError` (RetryingDriver retries them; urllib3's own retries
are off so that only one layer retries), refused credentials and other 4xx answers are
`PermanentError`, a missing object is `NotFound`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError

from workflow_engine.artifacts.secrets import SecretResolver, redact, resolve
from workflow_engine.errors import NotFound, PermanentError, TransientError
from workflow_engine.spec.artifacts import Artifact, S3Artifact

DEFAULT_PART_SIZE = 8 * 1024 * 1024
CHUNK = 1024 * 1024
MAX_KEY_BYTES = 1024
_REFUSED = frozenset(
    {
        "AccessDenied",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "InvalidToken",
        "ExpiredToken",
        "AllAccessDisabled",
    }
)
_TRANSIENT_CODES = frozenset(
    {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "OperationAborted"}
)
_MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchObject", "ResourceNotFound"})


@dataclass(frozen=True)
class S3Target:
    """Where one artifact lives, with its credentials resolved."""

    endpoint: str
    secure: bool
    bucket: str
    key: str
    region: str | None
    access_key: str | None
    secret_key: str | None
    session_token: str | None
    create_bucket: bool

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.key} at {self.endpoint}"


class S3Driver:
    def __init__(
        self,
        defaults: S3Artifact | None,
        secrets: SecretResolver,
        *,
        part_size: int = DEFAULT_PART_SIZE,
        parallel_uploads: int = 3,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
    ) -> None:
        self._defaults = defaults or S3Artifact()
        self._secrets = secrets
        self._part_size = part_size
        self._parallel = parallel_uploads
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._clients: dict[tuple[object, ...], Minio] = {}
        self._buckets: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # -- the port ------------------------------------------------------------------------

    def load(self, artifact: Artifact, dest: Path) -> None:
        t = self.target(artifact)
        with self._errors(t, "load"):
            client = self._client(t)
            try:
                self._download(client, t.bucket, t.key, dest)
            except S3Error as exc:
                if exc.code != "NoSuchKey":
                    raise
                dest.unlink(missing_ok=True)
                self._load_directory(client, t, dest)

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        t = self.target(artifact)
        with self._errors(t, "save"):
            client = self._client(t)
            if t.create_bucket:
                self._ensure_bucket(client, t)
            if src.is_dir():
                for path, rel in _files(src):
                    self._upload(client, t.bucket, f"{t.key.rstrip('/')}/{rel}", path)
            else:
                self._upload(client, t.bucket, t.key, src)
        return artifact

    def delete(self, artifact: Artifact) -> None:
        t = self.target(artifact)
        with self._errors(t, "delete"):
            client = self._client(t)
            try:
                client.remove_object(t.bucket, t.key)
                prefix = t.key.rstrip("/") + "/"
                for obj in client.list_objects(t.bucket, prefix=prefix, recursive=True):
                    if obj.object_name:
                        client.remove_object(t.bucket, obj.object_name)
            except S3Error as exc:
                if exc.code not in _MISSING:
                    raise

    # -- resolving the location ---------------------------------------------------------

    def target(self, artifact: Artifact) -> S3Target:
        """The artifact's location with the repository's fields filled in."""
        loc = artifact.s3
        if loc is None:
            raise PermanentError(f"artifact {artifact.name!r} has no s3 location")
        d = self._defaults
        key = loc.key if loc.key is not None else d.key
        bucket = loc.bucket or d.bucket
        endpoint = loc.endpoint or d.endpoint
        what = f"artifact {artifact.name!r}"
        if not bucket:
            raise PermanentError(f"{what}: s3 location has no bucket (none in the repository)")
        if not endpoint:
            raise PermanentError(f"{what}: s3 location has no endpoint (none in the repository)")
        validate_key(key or "", what)
        own = loc.bucket is not None or loc.endpoint is not None
        src = loc if own else d
        insecure = loc.insecure if loc.insecure is not None else d.insecure
        host, secure = _split_endpoint(endpoint, bool(insecure))
        create = loc.create_bucket_if_not_present or d.create_bucket_if_not_present
        return S3Target(
            endpoint=host,
            secure=secure,
            bucket=bucket,
            key=key or "",
            region=loc.region or d.region,
            access_key=resolve(self._secrets, src.access_key_secret, f"{what}: accessKeySecret"),
            secret_key=resolve(self._secrets, src.secret_key_secret, f"{what}: secretKeySecret"),
            session_token=resolve(
                self._secrets, src.session_token_secret, f"{what}: sessionTokenSecret"
            ),
            create_bucket=create is not None,
        )

    # -- minio calls ---------------------------------------------------------------------

    def _client(self, t: S3Target) -> Minio:
        cache_key = (t.endpoint, t.secure, t.region, t.access_key, t.secret_key, t.session_token)
        with self._lock:
            client = self._clients.get(cache_key)
            if client is None:
                http = urllib3.PoolManager(
                    timeout=self._timeout, retries=False, maxsize=max(4, self._parallel + 1)
                )
                client = Minio(
                    t.endpoint,
                    access_key=t.access_key,
                    secret_key=t.secret_key,
                    session_token=t.session_token,
                    secure=t.secure,
                    region=t.region,
                    http_client=http,
                )
                self._clients[cache_key] = client
            return client

    def _ensure_bucket(self, client: Minio, t: S3Target) -> None:
        if (t.endpoint, t.bucket) in self._buckets:
            return
        if not client.bucket_exists(t.bucket):
            try:
                client.make_bucket(t.bucket, location=t.region)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        with self._lock:
            self._buckets.add((t.endpoint, t.bucket))

    def _upload(self, client: Minio, bucket: str, key: str, path: Path) -> None:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            client.put_object(
                bucket,
                key,
                f,
                length=size,
                part_size=self._part_size,
                num_parallel_uploads=self._parallel,
            )

    def _download(self, client: Minio, bucket: str, key: str, dest: Path) -> None:
        response = client.get_object(bucket, key)  # before opening dest: a miss leaves none
        try:
            with open(dest, "wb") as out:
                _copy(response, out)
        finally:
            response.close()
            response.release_conn()

    def _load_directory(self, client: Minio, t: S3Target, dest: Path) -> None:
        prefix = t.key.rstrip("/") + "/"
        found = False
        for obj in client.list_objects(t.bucket, prefix=prefix, recursive=True):
            name = obj.object_name or ""
            rel = name[len(prefix) :]
            if not rel or name.endswith("/"):
                continue
            parts = PurePosixPath(rel).parts
            if rel.startswith("/") or ".." in parts:
                raise PermanentError(f"{t.where}: unsafe object name {name!r} in the directory")
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            self._download(client, t.bucket, name, target)
            found = True
        if not found:
            raise NotFound(f"no object at {t.where}")

    def _errors(self, t: S3Target, op: str) -> _Translate:
        return _Translate(t, op)


class _Translate:
    """Context manager: minio/urllib3 errors -> the project's taxonomy, secrets redacted."""

    def __init__(self, t: S3Target, op: str) -> None:
        self._t = t
        self._op = op

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, _tb: object) -> None:
        if exc is None or isinstance(exc, NotFound | PermanentError | TransientError):
            return
        error = translate(exc, self._t, self._op)
        if error is None:
            return
        raise error from None


def translate(exc: BaseException, t: S3Target, op: str) -> Exception | None:
    """The project error for a library error, or None to let it through."""
    head = f"{op} {t.where}"

    def clean(text: str) -> str:
        return redact(text, (t.secret_key, t.session_token))

    if isinstance(exc, S3Error):
        detail = clean(f"{exc.code}: {exc.message}")
        if exc.code in _MISSING and op == "load":
            return NotFound(f"{head}: {detail}")
        if exc.code == "NoSuchBucket":
            return PermanentError(f"{head}: {detail} (createBucketIfNotPresent creates it)")
        if exc.code in _REFUSED:
            return PermanentError(
                f"{head}: credentials refused ({detail}); check the access key and secret key"
            )
        if exc.code in _TRANSIENT_CODES:
            return TransientError(f"{head}: {detail}")
        return PermanentError(f"{head}: {detail}")
    if isinstance(exc, ServerError | InvalidResponseError):
        status = getattr(exc, "status_code", None) or getattr(exc, "_code", None) or 0
        detail = clean(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        if isinstance(status, int) and (status >= 500 or status == 429):
            return TransientError(f"{head}: server error {status}: {detail}")
        if isinstance(exc, InvalidResponseError) and not status:
            return TransientError(f"{head}: invalid response: {detail}")
        return PermanentError(f"{head}: {detail}")
    if isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
        return TransientError(f"{head}: {_cause(exc, clean)}")
    if isinstance(exc, OSError):
        return PermanentError(f"{head}: {clean(exc.strerror or str(exc))}")
    if isinstance(exc, ValueError):
        return PermanentError(f"{head}: {clean(str(exc))}")
    return None


def _cause(exc: BaseException, clean: Callable[[str], str]) -> str:
    """The innermost reason of a urllib3 error (connection refused, timed out...)."""
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    # urllib3 prefixes the connection object's repr; keep the human part.
    if ": " in text and text.startswith("<"):
        text = text.split(": ", 1)[1]
    return clean(f"{type(reason).__name__}: {text}")


def validate_key(key: str, what: str) -> None:
    """Keys are relative paths of at most 1024 UTF-8 bytes, without `..` or controls."""
    if not key or not key.strip("/"):
        raise PermanentError(f"{what}: s3 key is empty")
    if key.startswith("/"):
        raise PermanentError(f"{what}: s3 key {key!r} must not start with '/'")
    if ".." in PurePosixPath(key).parts:
        raise PermanentError(f"{what}: s3 key {key!r} must not have '..' components")
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise PermanentError(f"{what}: s3 key {key!r} has control characters")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise PermanentError(f"{what}: s3 key is longer than {MAX_KEY_BYTES} bytes")


def _split_endpoint(endpoint: str, insecure: bool) -> tuple[str, bool]:
    if endpoint.startswith("http://"):
        return endpoint[len("http://") :].rstrip("/"), False
    if endpoint.startswith("https://"):
        return endpoint[len("https://") :].rstrip("/"), True
    return endpoint.rstrip("/"), not insecure


def _files(root: Path) -> list[tuple[Path, str]]:
    out = []
    for dirpath, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(dirpath, name)
            out.append((path, path.relative_to(root).as_posix()))
    return out


def _copy(response: urllib3.BaseHTTPResponse, out: BinaryIO) -> None:
    for chunk in response.stream(CHUNK):
        out.write(chunk)
