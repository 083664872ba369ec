"""WorkflowTriggers run by the real embedded controller on a stepped clock: a real
`git daemon` repository (three pushes -> three workflows with the right SHAs, none
more after a restart) and a real SeaweedFS S3 server (three uploads -> three
workflows with the right keys, none more after a restart)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from minio import Minio

from tests.fixtures.gitrepo import GitRepo, git
from tests.fixtures.seaweedfs import SeaweedServer
from tests.integration.controller.rig import START, Rig
from tests.support.polling import poll
from workflow_engine.artifacts import make_secret
from workflow_engine.cron import TRIGGER_LABEL

pytestmark = pytest.mark.integration


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    """A repository of this test's own (it pushes), served by `git daemon`."""
    served = GitRepo(tmp_path / "git")
    served.build()
    served.serve()
    yield served
    served.stop()


def push(repo: GitRepo, text: str) -> str:
    work = repo.root / "work"
    (work / "version.txt").write_text(text + "\n")
    git("commit", "-q", "-am", text, cwd=work)
    git("push", "-q", str(repo.bare), "main", cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


def parameters(rig: Rig, trigger: str, name: str) -> set[str]:
    found = set()
    for child in rig.children(trigger, TRIGGER_LABEL).values():
        params = child["spec"]["arguments"]["parameters"]
        found |= {p["value"] for p in params if p["name"] == name}
    return found


def run_polls(rig: Rig, trigger: str, name: str, make: list, expect_total: int) -> set[str]:
    """Make each change, move the clock a poll interval on, and wait for its child."""
    made = set()
    for index, change in enumerate(make, start=1):
        made.add(change())
        rig.clock.jump_to(START + timedelta(minutes=index))
        poll(lambda i=index: len(rig.children(trigger, TRIGGER_LABEL)) == i, what=f"child {index}")
    assert len(rig.children(trigger, TRIGGER_LABEL)) == expect_total
    # finished before the test stops the controller (a stop kills pods without the shim)
    poll(
        lambda: all(
            (c.get("status") or {}).get("phase") == "Succeeded"
            for c in rig.children(trigger, TRIGGER_LABEL).values()
        ),
        what="the triggered workflows to succeed",
    )
    return made


def test_git_trigger_runs_once_per_pushed_commit(rig: Rig, repo: GitRepo) -> None:
    baseline = repo.commits["c3"]
    rig.create("triggers/on-push.yaml", git={"repo": repo.daemon_url, "branch": "main"})
    rig.start()
    poll(lambda: rig.store.get("WorkflowTrigger", "on-push").get("status", {}).get("lastCommit"))
    assert rig.store.get("WorkflowTrigger", "on-push")["status"]["lastCommit"] == baseline
    pushes = [lambda n=n: push(repo, f"push-{n}") for n in range(3)]
    shas = run_polls(rig, "on-push", "sha", pushes, 3)
    assert parameters(rig, "on-push", "sha") == shas
    rig.stop()
    rig.start()
    rig.passes_after(rig.triggers, START + timedelta(minutes=10))
    assert len(rig.children("on-push", TRIGGER_LABEL)) == 3
    status = rig.store.get("WorkflowTrigger", "on-push")["status"]
    assert status["lastCommit"] == git("rev-parse", "HEAD", cwd=repo.root / "work")


def test_s3_trigger_runs_once_per_new_object(rig: Rig, seaweedfs: SeaweedServer) -> None:
    bucket = f"trigger-{uuid.uuid4().hex[:12]}"
    client = Minio(seaweedfs.endpoint, seaweedfs.access_key, seaweedfs.secret_key, secure=False)
    client.make_bucket(bucket)
    client.put_object(bucket, "in/old.csv", io.BytesIO(b"old"), 3)
    client.put_object(bucket, "elsewhere/x.csv", io.BytesIO(b"x"), 1)
    rig.store.create(
        make_secret(
            "s3-credentials",
            "default",
            {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key},
        )
    )
    s3 = {"endpoint": seaweedfs.endpoint, "bucket": bucket}
    rig.create("triggers/on-upload.yaml", s3={**s3, **_S3_REST})
    rig.start()
    poll(lambda: "objects" in rig.store.get("WorkflowTrigger", "on-upload").get("status", {}))

    def upload(n: int) -> str:
        key = f"in/file-{n}.csv"
        client.put_object(bucket, key, io.BytesIO(b"data"), 4)
        return key

    uploads = [lambda n=n: upload(n) for n in range(3)]
    keys = run_polls(rig, "on-upload", "key", uploads, 3)
    assert parameters(rig, "on-upload", "key") == keys
    rig.stop()
    rig.start()
    rig.passes_after(rig.triggers, START + timedelta(minutes=10))
    kids = rig.children("on-upload", TRIGGER_LABEL)
    assert len(kids) == 3, {k: (v.get("status") or {}).get("message") for k, v in kids.items()}


_S3_REST = {
    "prefix": "in/",
    "insecure": True,
    "accessKeySecret": {"name": "s3-credentials", "key": "accesskey"},
    "secretKeySecret": {"name": "s3-credentials", "key": "secretkey"},
}
