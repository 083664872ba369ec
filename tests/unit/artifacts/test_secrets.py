"""The SecretResolver port and its implementations: Kubernetes-shaped Secret objects
(base64 `data`, `stringData`) read through MemoryStore, mappings, redaction."""

from __future__ import annotations

import base64

import pytest

from workflow_engine.artifacts import (
    MappingSecrets,
    NoSecrets,
    StoreSecrets,
    make_secret,
    secret_data,
)
from workflow_engine.artifacts.secrets import redact, resolve
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.spec.artifacts import SecretKeySelector
from workflow_engine.store import MemoryStore


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("obj", "key", "value"),
    [
        ({"data": {"k": _b64("v1")}}, "k", "v1"),
        ({"stringData": {"k": "plain"}}, "k", "plain"),
        ({"data": {"k": _b64("old")}, "stringData": {"k": "new"}}, "k", "new"),
        ({"data": {"k": _b64("ünï ☃")}}, "k", "ünï ☃"),
    ],
    ids=["data", "stringData", "stringData-wins", "unicode"],
)
def test_secret_data(obj: dict[str, object], key: str, value: str) -> None:
    assert secret_data({"metadata": {"name": "s"}, **obj}, key) == value


def test_secret_data_errors() -> None:
    with pytest.raises(NotFound, match="secret 's' has no key 'x'"):
        secret_data({"metadata": {"name": "s"}, "data": {}}, "x")
    with pytest.raises(PermanentError, match="not valid base64"):
        secret_data({"metadata": {"name": "s"}, "data": {"k": "%%%"}}, "k")


def test_store_secrets_reads_its_namespace() -> None:
    store = MemoryStore()
    store.create(make_secret("creds", "team", {"user": "u1", "pass": "p1"}))
    secrets = StoreSecrets(store, "team")
    assert (secrets.secret("creds", "user"), secrets.secret("creds", "pass")) == ("u1", "p1")
    with pytest.raises(NotFound, match="secret 'creds' not found in namespace 'default'"):
        StoreSecrets(store, "default").secret("creds", "user")
    stored = store.get("Secret", "creds", "team")
    assert stored["apiVersion"] == "v1" and "p1" not in str(stored["data"])


@pytest.mark.parametrize(
    ("secrets", "selector", "expected"),
    [
        (MappingSecrets({"a": {"k": "v"}}), SecretKeySelector(name="a", key="k"), "v"),
        (MappingSecrets({}), None, None),
        (NoSecrets(), SecretKeySelector(name="a", key="k", optional=True), None),
    ],
    ids=["found", "no-selector", "optional-missing"],
)
def test_resolve(secrets: object, selector: SecretKeySelector | None, expected: str | None) -> None:
    assert resolve(secrets, selector, "x") == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "secrets",
    [MappingSecrets({}), MappingSecrets({"a": {}}), NoSecrets()],
    ids=["no-secret", "no-key", "none-configured"],
)
def test_resolve_missing_required_names_it(secrets: object) -> None:
    with pytest.raises(PermanentError, match="artifact 'x': accessKeySecret: secret 'a'"):
        resolve(secrets, SecretKeySelector(name="a", key="k"), "artifact 'x': accessKeySecret")  # type: ignore[arg-type]


def test_redact() -> None:
    assert redact("user pw123 and pw123", ["pw123", None, ""]) == "user *** and ***"
    assert redact("ab", ["a"]) == "ab"  # too short to be a secret worth hiding
