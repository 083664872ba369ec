"""Runs the ArtifactDriver contract (tests/contract/artifact_driver_contract.py) on every
driver: local, S3, HTTP, git, raw, and RetryingDriver around one.

Real: a local directory under tmp, the SeaweedFS S3 server (`seaweedfs`), the stdlib
HTTP server with PUT and DELETE (`http_files`), the `git daemon` repository
(`git_repo`), the minio SDK and the `git` program.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from minio import Minio

from tests.contract.artifact_driver_contract import ArtifactDriverContract, Fresh, Stored
from tests.fixtures.gitrepo import GitRepo, git
from tests.fixtures.httpserver import HTTPFiles
from tests.fixtures.seaweedfs import SeaweedServer
from tests.integration.artifacts.conftest import SECRET_NAME, fresh_bucket, s3_repository
from workflow_engine.artifacts import (
    ArtifactDriver,
    GitDriver,
    HTTPDriver,
    LocalDriver,
    MappingSecrets,
    NoSecrets,
    RawDriver,
    RetryingDriver,
    S3Driver,
)
from workflow_engine.spec.models import Artifact, S3Artifact

pytestmark = pytest.mark.integration


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class TestLocalDriver(ArtifactDriverContract):
    @pytest.fixture
    def root(self, tmp_path: Path) -> Path:
        return tmp_path / "repo"

    @pytest.fixture
    def driver(self, root: Path) -> ArtifactDriver:
        return LocalDriver(root)

    @pytest.fixture
    def stored(self, root: Path) -> Stored:
        (root / "wf").mkdir(parents=True)
        (root / "wf" / "out.txt").write_bytes(b"stored\n")
        return Stored(
            Artifact.model_validate({"name": "a", "local": {"key": "wf/out.txt"}}), b"stored\n"
        )

    @pytest.fixture
    def missing(self) -> Artifact:
        return Artifact.model_validate({"name": "a", "local": {"key": "wf/none.txt"}})

    @pytest.fixture
    def fresh(self) -> Fresh:
        return lambda name: Artifact.model_validate({"name": name, "local": {"key": _unique(name)}})


class TestRetryingLocalDriver(TestLocalDriver):
    """The retrying wrapper keeps its driver's contract."""

    @pytest.fixture
    def driver(self, root: Path) -> ArtifactDriver:
        return RetryingDriver(LocalDriver(root), attempts=2, sleep=lambda _s: None)


class TestS3Driver(ArtifactDriverContract):
    @pytest.fixture
    def bucket(self, seaweedfs: SeaweedServer) -> str:
        name = fresh_bucket()
        client = Minio(
            seaweedfs.endpoint,
            access_key=seaweedfs.access_key,
            secret_key=seaweedfs.secret_key,
            secure=False,
        )
        client.make_bucket(name)
        client.put_object(name, "wf/out.txt", io.BytesIO(b"stored\n"), 7)
        return name

    @pytest.fixture
    def driver(self, seaweedfs: SeaweedServer, bucket: str) -> ArtifactDriver:
        repo = s3_repository(seaweedfs, bucket)["s3"]
        secrets = MappingSecrets(
            {SECRET_NAME: {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key}}
        )
        return S3Driver(S3Artifact.model_validate(repo), secrets)

    @pytest.fixture
    def stored(self) -> Stored:
        art = Artifact.model_validate({"name": "a", "s3": {"key": "wf/out.txt"}})
        return Stored(art, b"stored\n")

    @pytest.fixture
    def missing(self) -> Artifact:
        return Artifact.model_validate({"name": "a", "s3": {"key": "wf/none.txt"}})

    @pytest.fixture
    def fresh(self) -> Fresh:
        return lambda name: Artifact.model_validate({"name": name, "s3": {"key": _unique(name)}})


class TestHTTPDriver(ArtifactDriverContract):
    keeps_directories = False  # one URL holds one file

    @pytest.fixture
    def driver(self) -> ArtifactDriver:
        return HTTPDriver(NoSecrets())

    @pytest.fixture
    def stored(self, http_files: HTTPFiles) -> Stored:
        (http_files.root / "out.txt").write_bytes(b"stored\n")
        url = f"{http_files.url}/out.txt"
        return Stored(Artifact.model_validate({"name": "a", "http": {"url": url}}), b"stored\n")

    @pytest.fixture
    def missing(self, http_files: HTTPFiles) -> Artifact:
        return Artifact.model_validate({"name": "a", "http": {"url": f"{http_files.url}/none"}})

    @pytest.fixture
    def fresh(self, http_files: HTTPFiles) -> Fresh:
        def make(name: str) -> Artifact:
            return Artifact.model_validate(
                {"name": name, "http": {"url": f"{http_files.url}/{_unique(name)}"}}
            )

        return make


class TestGitDriver(ArtifactDriverContract):
    writable = False

    @pytest.fixture
    def driver(self) -> ArtifactDriver:
        return GitDriver(NoSecrets())

    @pytest.fixture
    def stored(self, git_repo: GitRepo) -> Stored:
        head = git("show", "HEAD:version.txt", cwd=git_repo.bare)
        art = Artifact.model_validate({"name": "src", "git": {"repo": git_repo.daemon_url}})
        return Stored(art, f"{head}\n".encode(), inner="version.txt")

    @pytest.fixture
    def missing(self, git_repo: GitRepo) -> Artifact:
        git_ = {"repo": git_repo.daemon_url, "revision": "no-such-branch"}
        return Artifact.model_validate({"name": "src", "git": git_})


class TestRawDriver(ArtifactDriverContract):
    writable = False

    @pytest.fixture
    def driver(self) -> ArtifactDriver:
        return RawDriver()

    @pytest.fixture
    def stored(self) -> Stored:
        art = Artifact.model_validate({"name": "a", "raw": {"data": "stored\n"}})
        return Stored(art, b"stored\n")
