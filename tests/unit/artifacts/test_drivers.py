"""Drivers (raw, local), driver choice by location, retries, repository config.

Real: the local driver on a tmp directory, tenacity with an injected sleep. Fake: a
flaky driver (implements the ArtifactDriver port) to count retries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow_engine.artifacts import (
    ArtifactDriver,
    LocalDriver,
    RawDriver,
    RetryingDriver,
    default_drivers,
    describe,
    driver_for,
    locate,
    output_key,
    parse_repository,
    render_key_format,
)
from workflow_engine.errors import NotFound, PermanentError, SpecError, TransientError
from workflow_engine.spec.models import Artifact


def _local(key: str, name: str = "out") -> Artifact:
    return Artifact.model_validate({"name": name, "local": {"key": key}})


def test_local_save_load_delete_file(tmp_path: Path) -> None:
    driver = LocalDriver(tmp_path / "repo")
    (tmp_path / "f").write_text("content")
    art = driver.save(tmp_path / "f", _local("wf/pod/out.tgz"))
    assert art.local is not None and art.local.key == "wf/pod/out.tgz"
    assert (tmp_path / "repo" / "wf" / "pod" / "out.tgz").read_text() == "content"
    driver.load(art, tmp_path / "back")
    assert (tmp_path / "back").read_text() == "content"
    driver.delete(art)
    assert not (tmp_path / "repo" / "wf" / "pod" / "out.tgz").exists()
    driver.delete(art)  # a second delete is not an error


def test_local_directory_round_trip(tmp_path: Path) -> None:
    driver = LocalDriver(tmp_path / "repo")
    (tmp_path / "d" / "x").mkdir(parents=True)
    (tmp_path / "d" / "x" / "y").write_text("y")
    art = driver.save(tmp_path / "d", _local("k/d"))
    driver.load(art, tmp_path / "back")
    assert (tmp_path / "back" / "x" / "y").read_text() == "y"
    assert [p.name for p in (tmp_path / "repo" / "k").iterdir()] == ["d"]


def test_local_missing_object_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="nope"):
        LocalDriver(tmp_path).load(_local("nope"), tmp_path / "x")


@pytest.mark.parametrize("key", ["/etc/passwd", "../outside", "a/../../b", ""])
def test_local_key_may_not_leave_the_repository(tmp_path: Path, key: str) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(PermanentError, match="relative path"):
        LocalDriver(tmp_path / "repo").save(tmp_path / "f", _local(key))


def test_raw_driver(tmp_path: Path) -> None:
    art = Artifact.model_validate({"name": "r", "raw": {"data": "inline\n"}})
    RawDriver().load(art, tmp_path / "r")
    assert (tmp_path / "r").read_text() == "inline\n"
    with pytest.raises(PermanentError, match="cannot be saved"):
        RawDriver().save(tmp_path / "r", art)


def test_driver_chosen_by_location_field(tmp_path: Path) -> None:
    drivers: dict[str, ArtifactDriver] = {"raw": RawDriver(), "local": LocalDriver(tmp_path)}
    assert isinstance(driver_for(drivers, _local("k")), LocalDriver)
    s3 = Artifact.model_validate({"name": "s", "s3": {"key": "k"}})
    with pytest.raises(PermanentError, match="no driver for 's3'"):
        driver_for(drivers, s3)
    with pytest.raises(PermanentError, match="has no location"):
        driver_for(drivers, Artifact(name="bare"))


class Flaky:
    """Fails with TransientError `failures` times, then works."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.calls = 0
        self.error = error or TransientError("S3 said 503 SlowDown")

    def load(self, artifact: Artifact, dest: Path) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        dest.write_text("ok")

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        self.load(artifact, src)
        return artifact

    def delete(self, artifact: Artifact) -> None:
        return None


@pytest.mark.parametrize(
    ("failures", "error", "expected_calls", "raises"),
    [
        (2, None, 3, None),
        (10, None, 4, TransientError),
        (10, PermanentError("403 AccessDenied"), 1, PermanentError),
        (10, NotFound("no such key"), 1, NotFound),
    ],
    ids=["recovers", "gives-up", "permanent-not-retried", "not-found-not-retried"],
)
def test_retrying_driver(
    tmp_path: Path,
    failures: int,
    error: Exception | None,
    expected_calls: int,
    raises: type[Exception] | None,
) -> None:
    inner = Flaky(failures, error)
    slept: list[float] = []
    driver = RetryingDriver(inner, attempts=4, initial_wait=0.1, sleep=slept.append)
    if raises is None:
        driver.load(_local("k"), tmp_path / "x")
        assert (tmp_path / "x").read_text() == "ok"
    else:
        with pytest.raises(raises) as info:
            driver.load(_local("k"), tmp_path / "x")
        if raises is TransientError:
            assert "after 4 attempts" in str(info.value) and "'out'" in str(info.value)
    assert inner.calls == expected_calls
    assert len(slept) == expected_calls - 1
    assert slept == sorted(slept)


def test_describe_names_the_location_not_credentials() -> None:
    art = Artifact.model_validate(
        {
            "name": "o",
            "s3": {
                "key": "a/b.tgz",
                "bucket": "bkt",
                "accessKeySecret": {"name": "creds", "key": "accesskey"},
            },
        }
    )
    assert describe(art) == "artifact 'o' (s3 a/b.tgz)"


def test_repository_parse_and_default_key_format() -> None:
    repo = parse_repository('{"archiveLogs": true, "local": {"path": "/r"}}')
    assert repo.kind == "local" and repo.archive_logs
    assert repo.key_format == "{{workflow.name}}/{{pod.name}}"
    s3 = parse_repository('{"s3": {"bucket": "b", "keyPrefix": "pre/"}}')
    assert s3.kind == "s3" and s3.key_format == "pre/{{workflow.name}}/{{pod.name}}"
    custom = parse_repository('{"local": {"path": "/r", "keyFormat": "{{workflow.uid}}"}}')
    assert custom.key_format == "{{workflow.uid}}"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("{not json", "not valid JSON"),
        ('{"local": {"path": "/r", "keyFromat": "x"}}', "artifactRepository.local.keyFromat"),
        ('{"local": {"path": "/r"}, "s3": {"bucket": "b"}}', "not both"),
    ],
    ids=["json", "unknown-field", "two-kinds"],
)
def test_repository_errors(text: str, where: str) -> None:
    with pytest.raises(SpecError, match=where.replace(".", r"\.")):
        parse_repository(text)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("{{workflow.name}}/{{pod.name}}", "wf/wf-pod"),
        ("{{ workflow.namespace }}/{{workflow.uid}}/", "ns/u1"),
        ("arts/{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}", "arts/2026/01"),
    ],
)
def test_render_key_format(fmt: str, expected: str) -> None:
    variables = {
        "workflow.name": "wf",
        "pod.name": "wf-pod",
        "workflow.namespace": "ns",
        "workflow.uid": "u1",
        "workflow.creationTimestamp.Y": "2026",
        "workflow.creationTimestamp.m": "01",
    }
    assert render_key_format(fmt, variables) == expected


def test_render_key_format_unknown_variable() -> None:
    with pytest.raises(PermanentError, match=r"unknown variable 'workflow\.labels\.x'"):
        render_key_format("{{workflow.labels.x}}", {})


def test_output_key_and_locate() -> None:
    art = Artifact.model_validate({"name": "out", "path": "/tmp/data.csv"})
    assert output_key("wf/pod", art) == "wf/pod/out.tgz"
    assert output_key("wf/pod", art, extension="") == "wf/pod/data.csv"
    local = locate(art, parse_repository('{"local": {"path": "/r"}}'), "k")
    assert local.to_dict()["local"] == {"key": "k"}
    s3 = locate(art, parse_repository('{"s3": {"bucket": "b"}}'), "k")
    assert s3.to_dict()["s3"] == {"key": "k"}


def test_default_drivers(tmp_path: Path) -> None:
    assert sorted(default_drivers(None)) == ["git", "http", "raw", "s3"]
    repo = parse_repository(f'{{"local": {{"path": "{tmp_path}"}}}}')
    assert sorted(default_drivers(repo)) == ["git", "http", "local", "raw", "s3"]
