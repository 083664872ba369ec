"""The executor's work (`executor.work.execute`) with a fake sandbox and MemoryStore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from executor.work import execute
from tests.unit.executor.conftest import FakeSandbox, drivers_for, make_config
from workflow_engine.artifacts import pack, pack_zip, parse_repository
from workflow_engine.errors import Conflict, PermanentError, TransientError
from workflow_engine.spec.models import API_VERSION, Outputs
from workflow_engine.store import MemoryStore


def _container(script: str, outputs: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": "t",
        "container": {"image": "alpine", "command": ["sh", "-c", script]},
        **({"outputs": outputs} if outputs else {}),
        **extra,
    }


def _run(
    template: dict[str, Any],
    sandbox: FakeSandbox,
    store: MemoryStore,
    repo_dir: Path,
    argv: list[str] | None = None,
    **config: Any,
) -> tuple[int, dict[str, Any]]:
    cfg = make_config(template, repo_dir, **config)
    if argv is None:
        body = template.get("container") or template["script"]
        argv = [*body["command"], *(["/wf/staging/script"] if "script" in template else [])]
    code = execute(cfg, argv, sandbox, store, drivers_for(cfg))
    return code, store.get("WorkflowTaskResult", "wf-1234")


def test_result_exit_code_and_output_parameter(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path
) -> None:
    template = _container(
        "echo hi; echo 7 > $ROOT/tmp/x",
        {"parameters": [{"name": "n", "valueFrom": {"path": "/tmp/x"}, "globalName": "g"}]},
    )
    code, result = _run(template, sandbox, store, repo_dir)
    assert code == 0
    assert result["apiVersion"] == API_VERSION
    assert result["kind"] == "WorkflowTaskResult"
    assert result["metadata"]["name"] == "wf-1234"
    assert result["metadata"]["labels"]["workflows.argoproj.io/workflow"] == "wf"
    assert result["outputs"] == {
        "result": "hi",
        "exitCode": "0",
        "parameters": [{"name": "n", "value": "7", "globalName": "g"}],
    }
    assert "phase" not in result and "message" not in result


@pytest.mark.parametrize(
    ("printf", "result"),
    [("a\\n", "a"), ("a\\n\\n", "a\n"), ("a", "a"), ("", "")],
    ids=["one-newline", "only-one-trimmed", "no-newline", "empty"],
)
def test_result_trims_one_trailing_newline(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path, printf: str, result: str
) -> None:
    _, report = _run(_container(f"printf '{printf}'"), sandbox, store, repo_dir)
    assert report["outputs"]["result"] == result


def test_result_is_bounded_to_the_last_256_kib(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path
) -> None:
    template = _container("head -c 300000 /dev/zero | tr '\\0' a; echo END")
    _, report = _run(template, sandbox, store, repo_dir)
    assert len(report["outputs"]["result"]) == 256 * 1024 - 1
    assert report["outputs"]["result"].endswith("aEND")
    assert any("result cut" in line for line in sandbox.lines)


def test_result_left_out_when_not_wanted(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path
) -> None:
    _, report = _run(_container("echo hi"), sandbox, store, repo_dir, include_script_output=False)
    assert "result" not in report["outputs"]


@pytest.mark.parametrize(
    ("value_from", "expected", "error"),
    [
        ({"path": "/tmp/missing", "default": "fallback"}, "fallback", None),
        ({"path": "/tmp/missing"}, None, "output parameter 'n': cannot read /tmp/missing"),
        ({"path": "/tmp"}, None, "output parameter 'n': cannot read /tmp"),
    ],
    ids=["default", "missing", "directory"],
)
def test_output_parameter_file_problems(
    sandbox: FakeSandbox,
    store: MemoryStore,
    repo_dir: Path,
    value_from: dict[str, str],
    expected: str | None,
    error: str | None,
) -> None:
    template = _container("true", {"parameters": [{"name": "n", "valueFrom": value_from}]})
    code, report = _run(template, sandbox, store, repo_dir)
    if error is None:
        assert code == 0
        assert report["outputs"]["parameters"] == [{"name": "n", "value": expected}]
    else:
        assert code == 1
        assert report["phase"] == "Error"
        assert error in report["message"]


def test_failed_command_keeps_its_code_and_missing_outputs_are_no_error(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path
) -> None:
    template = _container(
        "echo partial; exit 3",
        {
            "parameters": [{"name": "n", "valueFrom": {"path": "/tmp/never"}}],
            "artifacts": [{"name": "a", "path": "/tmp/never-either"}],
        },
    )
    code, report = _run(template, sandbox, store, repo_dir)
    assert code == 3
    assert report["outputs"] == {"result": "partial", "exitCode": "3"}
    assert "phase" not in report
    assert any("cannot read /tmp/never" in line for line in sandbox.lines)


def test_missing_program_is_127(sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path) -> None:
    template = _container("exit 127")
    code, report = _run(template, sandbox, store, repo_dir)
    assert code == 127 and report["outputs"]["exitCode"] == "127"


def test_script_is_staged_and_run(sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path) -> None:
    template = {
        "name": "s",
        "script": {"image": "alpine", "command": ["sh"], "source": 'echo "pid is $$-ish"\n'},
    }
    code, report = _run(template, sandbox, store, repo_dir)
    staged = sandbox.host_path("/wf/staging/script")
    assert staged.read_text() == 'echo "pid is $$-ish"\n'
    assert staged.stat().st_mode & 0o777 == 0o755
    assert code == 0 and report["outputs"]["result"].startswith("pid is ")
    assert sandbox.runs == [["sh", "/wf/staging/script"]]


@pytest.mark.parametrize(
    ("artifact", "stored_key", "make"),
    [
        ({"name": "out", "path": "/tmp/out.txt"}, "wf/wf-step-1234/out.tgz", "file"),
        ({"name": "tree", "path": "/tmp/tree"}, "wf/wf-step-1234/tree.tgz", "dir"),
        (
            {"name": "raw", "path": "/tmp/out.txt", "archive": {"none": {}}},
            "wf/wf-step-1234/out.txt",
            "file",
        ),
        (
            {"name": "lvl", "path": "/tmp/out.txt", "archive": {"tar": {"compressionLevel": 0}}},
            "wf/wf-step-1234/lvl.tgz",
            "file",
        ),
        (
            {"name": "keyed", "path": "/tmp/out.txt", "local": {"key": "my/own/key.tgz"}},
            "my/own/key.tgz",
            "file",
        ),
        (
            {"name": "zipped", "path": "/tmp/tree", "archive": {"zip": {}}},
            "wf/wf-step-1234/zipped.zip",
            "dir",
        ),
    ],
    ids=["file", "directory", "archive-none", "compression-level", "explicit-key", "zip"],
)
def test_output_artifacts_are_saved_to_the_repository(
    sandbox: FakeSandbox,
    store: MemoryStore,
    repo_dir: Path,
    artifact: dict[str, Any],
    stored_key: str,
    make: str,
) -> None:
    script = (
        "echo data > $ROOT/tmp/out.txt"
        if make == "file"
        else "mkdir -p $ROOT/tmp/tree/sub && echo x > $ROOT/tmp/tree/sub/f"
    )
    code, report = _run(_container(script, {"artifacts": [artifact]}), sandbox, store, repo_dir)
    assert code == 0, report
    (saved,) = report["outputs"]["artifacts"]
    assert saved["name"] == artifact["name"] and saved["path"] == artifact["path"]
    assert saved["local"] == {"key": stored_key}
    assert (repo_dir / stored_key).exists()
    # The controller reads the report back into the spec's Outputs model.
    assert Outputs.model_validate(report["outputs"]).to_dict() == report["outputs"]


def test_key_format_and_archive_location(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path
) -> None:
    outputs = {"artifacts": [{"name": "o", "path": "/tmp/o"}]}
    template = _container("echo > $ROOT/tmp/o", outputs)
    repo_json = f'{{"local": {{"path": "{repo_dir}", "keyFormat": "{{{{workflow.uid}}}}/x"}}}}'
    repo = parse_repository(repo_json)
    code, report = _run(
        template, sandbox, store, repo_dir, repository=repo, repository_json=repo_json
    )
    assert code == 0
    assert report["outputs"]["artifacts"][0]["local"] == {"key": "uid-1/x/o.tgz"}
    located = _container("echo > $ROOT/tmp/o", outputs, archiveLocation={"local": {"key": "here"}})
    _, report = _run(located, sandbox, store, repo_dir)
    assert report["outputs"]["artifacts"][0]["local"] == {"key": "here/o.tgz"}


@pytest.mark.parametrize(
    ("optional", "code", "phase"),
    [(True, 0, None), (False, 1, "Error")],
    ids=["optional-skipped", "required-is-an-error"],
)
def test_missing_output_artifact(
    sandbox: FakeSandbox,
    store: MemoryStore,
    repo_dir: Path,
    optional: bool,
    code: int,
    phase: str | None,
) -> None:
    art = {"name": "gone", "path": "/tmp/gone", "optional": optional}
    got, report = _run(_container("true", {"artifacts": [art]}), sandbox, store, repo_dir)
    assert got == code
    assert report.get("phase") == phase
    assert "artifacts" not in report["outputs"]
    if phase:
        assert "/tmp/gone does not exist" in report["message"]


def test_input_artifacts_raw_and_from_the_repository(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "f").write_text("from repo")
    (repo_dir / "prev").mkdir(parents=True)
    pack(tmp_path / "data", repo_dir / "prev" / "data.tgz")
    template = {
        **_container("cat $ROOT/in/raw.txt $ROOT/in/dir/f; ls -l $ROOT/in/raw.txt | cut -c1-10"),
        "inputs": {
            "artifacts": [
                {"name": "r", "path": "/in/raw.txt", "raw": {"data": "inline;"}, "mode": 0o600},
                {"name": "d", "path": "/in/dir", "local": {"key": "prev/data.tgz"}},
                {"name": "opt", "path": "/in/opt", "optional": True},
                # an empty location is not supplied either (Argo's HasLocationOrKey)
                {"name": "e3", "path": "/in/e3", "optional": True, "s3": {"key": ""}},
                {"name": "eh", "path": "/in/eh", "optional": True, "http": {"url": ""}},
            ]
        },
    }
    code, report = _run(template, sandbox, store, repo_dir)
    assert code == 0
    assert report["outputs"]["result"] == "inline;from repo-rw-------"
    for skipped in ("/in/opt", "/in/e3", "/in/eh"):
        assert not sandbox.host_path(skipped).exists()
    assert not sandbox.host_path("/in/raw.txt.tmp").exists()


def test_input_zip_is_unzipped(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("zipped")
    repo_dir.mkdir()
    pack_zip(tmp_path / "d", repo_dir / "d.zip")
    art = {"name": "a", "path": "/in/d", "local": {"key": "d.zip"}, "archive": {"zip": {}}}
    template = {**_container("cat $ROOT/in/d/f"), "inputs": {"artifacts": [art]}}
    code, report = _run(template, sandbox, store, repo_dir)
    assert code == 0 and report["outputs"]["result"] == "zipped"


def test_input_archive_none_is_not_unpacked(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "f").write_text("x")
    repo_dir.mkdir()
    pack(tmp_path / "f", repo_dir / "f.tgz")
    art = {"name": "a", "path": "/in/a.tgz", "local": {"key": "f.tgz"}, "archive": {"none": {}}}
    code, _ = _run({**_container("true"), "inputs": {"artifacts": [art]}}, sandbox, store, repo_dir)
    assert code == 0
    assert sandbox.host_path("/in/a.tgz").read_bytes() == (repo_dir / "f.tgz").read_bytes()


@pytest.mark.parametrize(
    ("artifact", "message"),
    [
        ({"name": "need", "path": "/in/x"}, "required input artifact 'need' not supplied"),
        ({"name": "k", "path": "/in/x", "local": {"key": "absent"}}, "no object at key 'absent'"),
        # key-only: an object of the default (here local) repository, as Argo resolves it
        ({"name": "s", "path": "/in/x", "s3": {"key": "k"}}, "no object at key 'k'"),
        (
            {"name": "b", "path": "/in/x", "s3": {"bucket": "b", "key": "k"}},
            "s3 location has no endpoint",
        ),
        ({"name": "h", "path": "/in/x", "hdfs": {"path": "/p"}}, "no driver for 'hdfs'"),
    ],
    ids=["not-supplied", "not-in-repository", "s3-key-only", "s3-without-endpoint", "no-driver"],
)
def test_input_failure_is_an_error_and_the_command_does_not_run(
    sandbox: FakeSandbox,
    store: MemoryStore,
    repo_dir: Path,
    artifact: dict[str, Any],
    message: str,
) -> None:
    template = {**_container("touch $ROOT/ran"), "inputs": {"artifacts": [artifact]}}
    code, report = _run(template, sandbox, store, repo_dir)
    assert code == 1
    assert report["phase"] == "Error"
    assert message in report["message"]
    assert report["message"].startswith("failed to prepare inputs")
    assert sandbox.runs == []


def test_a_second_run_replaces_the_task_result(
    sandbox: FakeSandbox, store: MemoryStore, repo_dir: Path
) -> None:
    _run(_container("echo first"), sandbox, store, repo_dir)
    _, report = _run(_container("echo second"), sandbox, store, repo_dir)
    assert report["outputs"]["result"] == "second"
    assert len(store.list("WorkflowTaskResult").items) == 1


class BrokenStore(MemoryStore):
    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        raise PermanentError("store refused")


@pytest.mark.parametrize(("script", "code"), [("true", 1), ("exit 4", 4)])
def test_unwritable_report_fails_a_succeeding_pod(
    sandbox: FakeSandbox, repo_dir: Path, script: str, code: int
) -> None:
    cfg = make_config(_container(script), repo_dir)
    got = execute(cfg, ["sh", "-c", script], sandbox, BrokenStore(), drivers_for(cfg))
    assert got == code
    assert any("cannot write the task result: store refused" in line for line in sandbox.lines)


class HiccupStore(MemoryStore):
    """Refuses the first `failures` creates with a retryable error."""

    def __init__(self, failures: int, error: Exception) -> None:
        super().__init__()
        self.failures = failures
        self.error = error

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        return super().create(obj)


@pytest.mark.parametrize(
    "error",
    [TransientError("database is locked"), Conflict("stale")],
    ids=["transient", "conflict"],
)
def test_report_write_is_retried(sandbox: FakeSandbox, repo_dir: Path, error: Exception) -> None:
    store = HiccupStore(2, error)
    cfg = make_config(_container("echo ok"), repo_dir)
    assert execute(cfg, ["sh", "-c", "echo ok"], sandbox, store, drivers_for(cfg)) == 0
    assert store.get("WorkflowTaskResult", "wf-1234")["outputs"]["result"] == "ok"


class ExplodingSandbox(FakeSandbox):
    def host_path(self, path: str) -> Path:
        if path == "/tmp/x":
            raise RuntimeError("sandbox bug")
        return super().host_path(path)


def test_an_unexpected_collection_failure_is_still_reported(
    tmp_path: Path, store: MemoryStore, repo_dir: Path
) -> None:
    sandbox = ExplodingSandbox(tmp_path)
    template = _container("true", {"parameters": [{"name": "n", "valueFrom": {"path": "/tmp/x"}}]})
    code, report = _run(template, sandbox, store, repo_dir)
    assert code == 1
    assert report["phase"] == "Error"
    assert "failed to collect outputs: RuntimeError('sandbox bug')" in report["message"]
    assert report["outputs"] == {"exitCode": "0"}
