"""S3 artifacts against a real SeaweedFS: archive modes, buckets, odd keys, refused
credentials, and what the executor reports (Argo's key-only `s3: {key}` locations)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from minio import Minio

from tests.fixtures.seaweedfs import ACCESS_KEY, SeaweedServer
from tests.integration.artifacts.conftest import (
    SECRET_NAME,
    PodRunner,
    fresh_bucket,
    s3_repository,
    sh,
)
from workflow_engine.artifacts import MappingSecrets, S3Driver
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.spec.models import Artifact, S3Artifact

pytestmark = pytest.mark.integration


def client(server: SeaweedServer) -> Minio:
    return Minio(
        server.endpoint, access_key=server.access_key, secret_key=server.secret_key, secure=False
    )


ARCHIVES = [
    pytest.param(False, None, ".tgz", id="file-tar-default"),
    pytest.param(False, {"tar": {"compressionLevel": 0}}, ".tgz", id="file-tar-level0"),
    pytest.param(False, {"tar": {"compressionLevel": 9}}, ".tgz", id="file-tar-level9"),
    pytest.param(False, {"none": {}}, "", id="file-none"),
    pytest.param(False, {"zip": {}}, ".zip", id="file-zip"),
    pytest.param(True, None, ".tgz", id="dir-tar"),
    pytest.param(True, {"none": {}}, "", id="dir-none"),
    pytest.param(True, {"zip": {}}, ".zip", id="dir-zip"),
]


@pytest.mark.parametrize(("is_dir", "archive", "extension"), ARCHIVES)
def test_output_then_input_round_trip(
    s3_pods: PodRunner,
    seaweedfs: SeaweedServer,
    tmp_path: Path,
    is_dir: bool,
    archive: dict[str, Any] | None,
    extension: str,
) -> None:
    src = tmp_path / "out" / ("d" if is_dir else "f.txt")
    make = (
        f"mkdir -p {src}/sub && echo one > {src}/a && echo two > {src}/sub/b"
        if is_dir
        else f"mkdir -p {src.parent} && echo payload > {src}"
    )
    output: dict[str, Any] = {"name": "art", "path": str(src)}
    if archive is not None:
        output["archive"] = archive
    producer = s3_pods.run(sh("produce", make, outputs={"artifacts": [output]}))
    assert producer.code == 0, producer.log
    [reported] = producer.result["outputs"]["artifacts"]
    # Argo's key-only location: the repository supplies bucket, endpoint and secrets.
    assert set(reported["s3"]) == {"key"}
    key = reported["s3"]["key"]
    expected_name = f"art{extension}" if extension else src.name
    assert key == f"wf/wf-produce-1/{expected_name}"
    bucket = s3_pods.repository["s3"]["bucket"]
    stored = [o.object_name for o in client(seaweedfs).list_objects(bucket, recursive=True)]
    if is_dir and archive == {"none": {}}:
        assert sorted(stored) == [f"{key}/a", f"{key}/sub/b"]
    else:
        assert stored == [key]

    dest = tmp_path / "in" / "x"
    consumed = {**reported, "path": str(dest)}
    show = f"cat {dest}/a {dest}/sub/b" if is_dir else f"cat {dest}"
    consumer = s3_pods.run(sh("consume", show, inputs={"artifacts": [consumed]}))
    assert consumer.code == 0, consumer.log
    assert consumer.result["outputs"]["result"] == ("one\ntwo" if is_dir else "payload")


def test_bucket_is_created_only_when_asked(seaweedfs: SeaweedServer, tmp_path: Path) -> None:
    secrets = MappingSecrets(
        {SECRET_NAME: {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key}}
    )
    (tmp_path / "f").write_text("x")
    for create, bucket in ((False, fresh_bucket()), (True, fresh_bucket())):
        repo = s3_repository(seaweedfs, bucket)["s3"]
        if not create:
            del repo["createBucketIfNotPresent"]
        driver = S3Driver(S3Artifact.model_validate(repo), secrets)
        art = Artifact.model_validate({"name": "a", "s3": {"key": "k/f"}})
        if create:
            driver.save(tmp_path / "f", art)
            assert client(seaweedfs).bucket_exists(bucket)
        else:
            with pytest.raises(PermanentError, match="NoSuchBucket"):
                driver.save(tmp_path / "f", art)
            assert not client(seaweedfs).bucket_exists(bucket)


@pytest.mark.parametrize(
    "key",
    ["dir with spaces/file name.txt", "ünïcødé/☃ snow man/データ.bin", "a+b/c=d&e/%20.txt"],
    ids=["spaces", "unicode", "reserved-characters"],
)
def test_odd_keys_round_trip(s3_pods: PodRunner, tmp_path: Path, key: str) -> None:
    src = tmp_path / "src.txt"
    art = {"name": "a", "path": str(src), "archive": {"none": {}}, "s3": {"key": key}}
    producer = s3_pods.run(sh("p", f"echo odd > {src}", outputs={"artifacts": [art]}))
    assert producer.code == 0, producer.log
    assert producer.result["outputs"]["artifacts"][0]["s3"]["key"] == key
    dest = tmp_path / "back.txt"
    consumer = s3_pods.run(
        sh("c", f"cat '{dest}'", inputs={"artifacts": [{**art, "path": str(dest)}]})
    )
    assert consumer.result["outputs"]["result"] == "odd", consumer.log


def test_wrong_secret_is_a_clear_node_error_without_the_secret(
    s3_pods: PodRunner, tmp_path: Path
) -> None:
    wrong = "not-the-right-secret-Q9z"
    s3_pods.store.delete("Secret", SECRET_NAME)
    s3_pods.put_secret(SECRET_NAME, {"accesskey": ACCESS_KEY, "secretkey": wrong})
    src = tmp_path / "f"
    pod = s3_pods.run(
        sh("p", f"echo x > {src}", outputs={"artifacts": [{"name": "a", "path": str(src)}]})
    )
    assert pod.code == 1
    assert pod.result["phase"] == "Error"
    message = pod.result["message"]
    assert "credentials refused" in message and "SignatureDoesNotMatch" in message
    assert "artifact 'a'" in message
    everything = json.dumps(pod.result) + pod.log + pod.stdout.decode()
    assert wrong not in everything


def test_missing_secret_names_the_secret(s3_pods: PodRunner, tmp_path: Path) -> None:
    s3_pods.store.delete("Secret", SECRET_NAME)
    src = tmp_path / "f"
    pod = s3_pods.run(
        sh("p", f"echo x > {src}", outputs={"artifacts": [{"name": "a", "path": str(src)}]})
    )
    assert pod.result["phase"] == "Error"
    assert f"secret {SECRET_NAME!r} not found" in pod.result["message"]


def test_missing_input_required_and_optional(s3_pods: PodRunner, tmp_path: Path) -> None:
    art = {"name": "gone", "path": str(tmp_path / "x"), "s3": {"key": "no/such/key.tgz"}}
    required = s3_pods.run(sh("r", "echo ran", inputs={"artifacts": [art]}))
    assert required.code == 1 and required.result["phase"] == "Error"
    assert "failed to prepare inputs" in required.result["message"]
    assert "no/such/key.tgz" in required.result["message"]
    optional = s3_pods.run(sh("o", "echo ran", inputs={"artifacts": [{**art, "optional": True}]}))
    assert optional.code == 0 and optional.result["outputs"]["result"] == "ran"


def test_driver_delete_removes_files_and_directories(
    seaweedfs: SeaweedServer, tmp_path: Path
) -> None:
    bucket = fresh_bucket()
    secrets = MappingSecrets(
        {SECRET_NAME: {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key}}
    )
    driver = S3Driver(S3Artifact.model_validate(s3_repository(seaweedfs, bucket)["s3"]), secrets)
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "f").write_text("f")
    (tmp_path / "g").write_text("g")
    directory = Artifact.model_validate({"name": "d", "s3": {"key": "wf/d"}})
    single = Artifact.model_validate({"name": "g", "s3": {"key": "wf/g.txt"}})
    driver.save(tmp_path / "d", directory)
    driver.save(tmp_path / "g", single)
    driver.delete(directory)
    driver.delete(single)
    driver.delete(single)  # a second delete is not an error
    assert list(client(seaweedfs).list_objects(bucket, recursive=True)) == []
    with pytest.raises(NotFound):
        driver.load(directory, tmp_path / "back")


@pytest.mark.parametrize(
    ("recurse", "inner_mode"), [(True, 0o750), (False, 0o644)], ids=["recurse", "top-only"]
)
def test_input_mode_and_recurse_mode(
    s3_pods: PodRunner, tmp_path: Path, recurse: bool, inner_mode: int
) -> None:
    src = tmp_path / "tree"
    make = f"mkdir -p {src}/sub && echo f > {src}/sub/f && chmod 644 {src}/sub/f"
    out = {"name": "t", "path": str(src)}
    producer = s3_pods.run(sh("p", make, outputs={"artifacts": [out]}))
    [reported] = producer.result["outputs"]["artifacts"]
    dest = tmp_path / "in"
    art = {**reported, "path": str(dest), "mode": 0o750, "recurseMode": recurse}
    consumer = s3_pods.run(sh("c", "true", inputs={"artifacts": [art]}))
    assert consumer.code == 0, consumer.log
    assert dest.stat().st_mode & 0o777 == 0o750
    assert (dest / "sub" / "f").stat().st_mode & 0o777 == inner_mode
