"""Inputs are written beneath the sandbox's own directory without following links the
pod made: a link planted where an input, its parent, its scratch directory or the
script goes must not steer the executor's write onto the host. Real files under
tmp_path; the fake sandbox's `host_root` is its root directory, as an overlay's upper
directory is for the process runtime."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from executor.work import execute
from tests.unit.executor.conftest import FakeSandbox, drivers_for, make_config
from workflow_engine.store import MemoryStore


def _raw(path: str) -> dict[str, Any]:
    return {
        "name": "t",
        "inputs": {"artifacts": [{"name": "a", "path": path, "raw": {"data": "payload"}}]},
        "container": {"image": "alpine", "command": ["true"]},
    }


def _run(template: dict[str, Any], sandbox: FakeSandbox, store: MemoryStore, repo: Path) -> Any:
    cfg = make_config(template, repo)
    code = execute(cfg, ["true"], sandbox, store, drivers_for(cfg))
    return code, store.get("WorkflowTaskResult", "wf-1234")


@pytest.fixture
def host(tmp_path: Path) -> Path:
    outside = tmp_path / "host"
    outside.mkdir()
    return outside


@pytest.mark.parametrize(
    ("plant", "path"),
    [
        ("work", "/work/x"),  # a parent directory replaced by a link
        ("deep/er", "/deep/er/x"),
        ("tmp/.x.fetch", "/tmp/x"),  # the scratch directory's name
    ],
    ids=["parent", "nested-parent", "scratch"],
)
def test_a_planted_link_never_leads_the_write_out(
    sandbox: FakeSandbox, store: MemoryStore, tmp_path: Path, host: Path, plant: str, path: str
) -> None:
    link = sandbox.root / plant
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(host, target_is_directory=True)
    code, result = _run(_raw(path), sandbox, store, tmp_path / "repo")
    assert list(host.iterdir()) == []
    if plant.endswith(".fetch"):  # a stale scratch entry is removed, not followed
        assert code == 0 and (sandbox.root / "tmp" / "x").read_text() == "payload"
    else:
        assert code == 1 and result["phase"] == "Error"
        assert "is a link or a file" in result["message"]


def test_a_link_at_the_target_itself_is_replaced_not_followed(
    sandbox: FakeSandbox, store: MemoryStore, tmp_path: Path, host: Path
) -> None:
    (host / "victim").write_text("precious")
    (sandbox.root / "tmp" / "x").symlink_to(host / "victim")
    code, _ = _run(_raw("/tmp/x"), sandbox, store, tmp_path / "repo")
    assert code == 0
    assert (host / "victim").read_text() == "precious"
    assert not (sandbox.root / "tmp" / "x").is_symlink()
    assert (sandbox.root / "tmp" / "x").read_text() == "payload"


def test_the_script_is_not_written_through_a_planted_link(
    sandbox: FakeSandbox, store: MemoryStore, tmp_path: Path, host: Path
) -> None:
    staging = sandbox.root / "wf" / "staging"
    staging.mkdir(parents=True)
    (host / "cron").write_text("precious")
    for name in ("script", ".script.tmp", "script.tmp"):
        (staging / name).symlink_to(host / "cron")
    template = {"name": "t", "script": {"image": "alpine", "command": ["sh"], "source": "true"}}
    cfg = make_config(template, tmp_path / "repo")
    execute(cfg, ["sh", "/wf/staging/script"], sandbox, store, drivers_for(cfg))
    assert (host / "cron").read_text() == "precious"
    assert (staging / "script").read_text() == "true"
    assert not (staging / "script").is_symlink()


def test_a_tarball_input_with_mode_leaves_links_alone(
    sandbox: FakeSandbox, store: MemoryStore, tmp_path: Path, host: Path
) -> None:
    (host / "f").write_text("x")
    (host / "f").chmod(0o600)
    repo = tmp_path / "repo"
    (repo / "in").mkdir(parents=True)
    with tarfile.open(repo / "in" / "a.tgz", "w:gz") as tar:
        info = tarfile.TarInfo("d/f")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"ok"))
        link = tarfile.TarInfo("d/l")
        link.type, link.linkname = tarfile.SYMTYPE, "f"
        tar.addfile(link)
    template = _raw("/tmp/d")
    template["inputs"]["artifacts"][0] = {
        "name": "a",
        "path": "/tmp/d",
        "mode": 0o755,
        "recurseMode": True,
        "local": {"key": "in/a.tgz"},
    }
    code, result = _run(template, sandbox, store, repo)
    assert code == 0, result
    assert (sandbox.root / "tmp" / "d" / "f").stat().st_mode & 0o777 == 0o755
    assert (sandbox.root / "tmp" / "d" / "l").is_symlink()
    assert (host / "f").stat().st_mode & 0o777 == 0o600
