"""The s3 driver's pure parts: resolving a (key-only) location against the repository,
key validation, and the translation of minio/urllib3 errors (secrets redacted).
Nothing is sent anywhere here; tests/integration/artifacts talks to a real server."""

from __future__ import annotations

import re

import pytest
import urllib3
from minio.error import S3Error, ServerError

from workflow_engine.artifacts import MappingSecrets, S3Driver, describe
from workflow_engine.artifacts.s3 import S3Target, translate, validate_key
from workflow_engine.errors import NotFound, PermanentError, TransientError
from workflow_engine.spec.models import Artifact, S3Artifact

REPO = S3Artifact.model_validate(
    {
        "endpoint": "repo.example:9000",
        "bucket": "repo-bucket",
        "insecure": True,
        "accessKeySecret": {"name": "repo", "key": "a"},
        "secretKeySecret": {"name": "repo", "key": "s"},
    }
)
SECRETS = MappingSecrets(
    {"repo": {"a": "AK", "s": "repo-secret-1"}, "own": {"a": "AK2", "s": "S2"}}
)


def _target(s3: dict[str, object]) -> S3Target:
    return S3Driver(REPO, SECRETS).target(Artifact.model_validate({"name": "a", "s3": s3}))


def test_key_only_takes_everything_else_from_the_repository() -> None:
    t = _target({"key": "wf/pod/a.tgz"})
    assert (t.endpoint, t.secure, t.bucket, t.key) == (
        "repo.example:9000",
        False,
        "repo-bucket",
        "wf/pod/a.tgz",
    )
    assert (t.access_key, t.secret_key) == ("AK", "repo-secret-1")


def test_a_complete_location_uses_its_own_credentials() -> None:
    t = _target(
        {
            "endpoint": "https://other.example",
            "bucket": "b2",
            "key": "k",
            "accessKeySecret": {"name": "own", "key": "a"},
            "secretKeySecret": {"name": "own", "key": "s"},
        }
    )
    assert (t.endpoint, t.secure, t.bucket, t.access_key, t.secret_key) == (
        "other.example",
        True,
        "b2",
        "AK2",
        "S2",
    )


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("", "empty"),
        ("/abs", "must not start with '/'"),
        ("a/../b", "'..' components"),
        ("a\x00b", "control characters"),
        ("k" * 1025, "longer than 1024"),
    ],
    ids=["empty", "absolute", "dot-dot", "control", "too-long"],
)
def test_bad_keys_are_refused(key: str, text: str) -> None:
    with pytest.raises(PermanentError, match=text):
        validate_key(key, "artifact 'a'")


@pytest.mark.parametrize("key", ["a b/ü ☃.txt", "x", "a/b/c.tgz", "a+b=c&d"])
def test_good_keys(key: str) -> None:
    validate_key(key, "artifact 'a'")


def test_no_bucket_or_endpoint_is_clear() -> None:
    driver = S3Driver(None, SECRETS)
    with pytest.raises(PermanentError, match="no bucket"):
        driver.target(Artifact.model_validate({"name": "a", "s3": {"key": "k"}}))


T = S3Target("h:1", False, "b", "k", None, "AK", "very-secret-value", None, False)


def _s3_error(code: str, message: str = "m") -> S3Error:
    return S3Error(None, code, message, "/b/k", "req", "host")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "op", "kind", "text"),
    [
        (_s3_error("NoSuchKey"), "load", NotFound, "NoSuchKey"),
        (_s3_error("NoSuchBucket"), "save", PermanentError, "createBucketIfNotPresent"),
        (_s3_error("SignatureDoesNotMatch"), "save", PermanentError, "credentials refused"),
        (_s3_error("AccessDenied"), "load", PermanentError, "credentials refused"),
        (_s3_error("InvalidAccessKeyId"), "load", PermanentError, "credentials refused"),
        (_s3_error("SlowDown"), "save", TransientError, "SlowDown"),
        (_s3_error("InternalError"), "save", TransientError, "InternalError"),
        (_s3_error("AccessDenied", "key very-secret-value"), "load", PermanentError, r"key \*\*\*"),
        (ServerError("boom", 503), "save", TransientError, "server error 503"),
        (ServerError("bad", 400), "save", PermanentError, "bad"),
        (
            urllib3.exceptions.ProtocolError("Connection reset by peer"),
            "save",
            TransientError,
            "reset",
        ),
        (
            urllib3.exceptions.ReadTimeoutError(None, "/", "Read timed out."),
            "load",
            TransientError,
            "timed out",
        ),  # type: ignore[arg-type]
        (ConnectionResetError(104, "Connection reset by peer"), "save", TransientError, "reset"),
        (OSError(28, "No space left on device"), "load", PermanentError, "No space left"),
    ],
    ids=[
        "no-such-key",
        "no-such-bucket",
        "signature",
        "access-denied",
        "unknown-access-key",
        "slow-down",
        "internal-error",
        "secret-redacted",
        "5xx",
        "4xx",
        "connection-reset",
        "read-timeout",
        "socket-reset",
        "disk-full",
    ],
)
def test_translate(exc: BaseException, op: str, kind: type[Exception], text: str) -> None:
    error = translate(exc, T, op)
    assert isinstance(error, kind)
    assert re.search(text, str(error)), str(error)
    assert "very-secret-value" not in str(error)
    assert str(error).startswith(f"{op} s3://b/k at h:1: ")


@pytest.mark.parametrize(
    ("location", "shown", "hidden"),
    [
        (
            {"http": {"url": "https://u:pw9@h.example/f.tgz?X-Amz-Signature=sig9"}},
            "https://h.example/f.tgz",
            ("pw9", "sig9"),
        ),
        (
            {"git": {"repo": "https://tok9@git.example/r.git"}},
            "https://git.example/r.git",
            ("tok9",),
        ),
        ({"git": {"repo": "git@git.example:r.git"}}, "git@git.example:r.git", ()),
        ({"s3": {"key": "a b/ü.tgz"}}, "(s3 a b/ü.tgz)", ()),
    ],
    ids=["http-presigned", "git-token", "git-scp-like", "s3-key"],
)
def test_describe_hides_credentials_in_urls(
    location: dict[str, object], shown: str, hidden: tuple[str, ...]
) -> None:
    text = describe(Artifact.model_validate({"name": "a", **location}))
    assert shown in text
    assert not any(h in text for h in hidden)
