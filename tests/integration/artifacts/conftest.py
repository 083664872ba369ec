"""Fixtures of the artifact integration tests.

Real: a SeaweedFS server speaking S3 with identities (`seaweedfs`, session scoped), a
bare git repository served by `git daemon` (`git_repo`), a stdlib HTTP server with
basic auth (`http_files`), the minio SDK, the `git` program, the executor's code with
its `LocalSandbox` (commands run as real processes, container paths are host paths
under tmp) and MemoryStore holding TaskResults and Secret objects. Nothing is faked.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from executor import ExecutorConfig, LocalSandbox, execute
from tests.fixtures.httpserver import http_files  # noqa: F401  (fixture)
from tests.fixtures.seaweedfs import SeaweedServer
from workflow_engine.artifacts import (
    DEFAULT_RETRY,
    RetryPolicy,
    StoreSecrets,
    default_drivers,
    make_secret,
    parse_repository,
)
from workflow_engine.spec.models import Template
from workflow_engine.store import MemoryStore

SECRET_NAME = "s3-creds"


def s3_repository(server: SeaweedServer, bucket: str, **extra: Any) -> dict[str, Any]:
    return {
        "s3": {
            "endpoint": server.endpoint,
            "bucket": bucket,
            "insecure": True,
            "accessKeySecret": {"name": SECRET_NAME, "key": "accesskey"},
            "secretKeySecret": {"name": SECRET_NAME, "key": "secretkey"},
            "createBucketIfNotPresent": {},
            **extra,
        }
    }


def fresh_bucket() -> str:
    return f"wf-{uuid.uuid4().hex[:12]}"


@dataclass
class Pod:
    """One executor run: its exit code, TaskResult and log."""

    code: int
    result: dict[str, Any]
    log: str
    stdout: bytes


@dataclass
class PodRunner:
    """Runs templates through `executor.execute` against one repository and store."""

    tmp: Path
    store: MemoryStore
    repository: dict[str, Any]
    retry: RetryPolicy = DEFAULT_RETRY
    count: int = 0

    def put_secret(self, name: str, values: dict[str, str], namespace: str = "default") -> None:
        self.store.create(make_secret(name, namespace, values))

    def run(self, template: dict[str, Any]) -> Pod:
        self.count += 1
        node = f"wf-{self.count}"
        repo_json = json.dumps(self.repository)
        config = ExecutorConfig(
            template=Template.model_validate(template),
            node_id=node,
            node_name=f"wf.{template['name']}",
            pod_name=f"wf-{template['name']}-{self.count}",
            workflow_name="wf",
            repository=parse_repository(repo_json),
            repository_json=repo_json,
        )
        out, log = io.BytesIO(), io.StringIO()
        sandbox = LocalSandbox({"PATH": "/usr/bin:/bin", "T": str(self.tmp)}, out, log)
        drivers = default_drivers(
            config.repository, StoreSecrets(self.store, "default"), retry=self.retry
        )
        code = execute(config, list(template["container"]["command"]), sandbox, self.store, drivers)
        result = self.store.get("WorkflowTaskResult", node)
        return Pod(code, result, log.getvalue(), out.getvalue())


@pytest.fixture
def s3_pods(tmp_path: Path, seaweedfs: SeaweedServer) -> PodRunner:
    runner = PodRunner(tmp_path, MemoryStore(), s3_repository(seaweedfs, fresh_bucket()))
    runner.put_secret(
        SECRET_NAME, {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key}
    )
    return runner


def sh(name: str, script: str, **sections: Any) -> dict[str, Any]:
    """A container template running `sh -c script` ($T is the test's tmp directory)."""
    return {"name": name, "container": {"image": "x", "command": ["sh", "-c", script]}, **sections}
