"""`wf cp`, `wf secret`, `wf node` (its option checks), and output artifacts in
`wf get`, through CliRunner over a MemoryStore."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.unit.cli.conftest import Wf, data


@pytest.fixture
def arts(wf: Wf, tmp_path: Path) -> Path:
    """The stored workflow `arts` and its repository (tmp_path/repo, the default)."""
    repo = tmp_path / "repo"
    (repo / "arts" / "arts").mkdir(parents=True)
    (repo / "arts" / "arts" / "report.txt").write_text("numbers\n")
    wf.app.default_repository = {"local": {"path": str(repo)}}
    obj = yaml.safe_load(Path(data("with-artifacts.yaml")).read_text())
    status = obj.pop("status")
    created = wf.store.create(obj)
    wf.store.update_status({**created, "status": status})
    return repo


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["arts/report"]),
        (["arts"], ["arts/report"]),
        (["--artifact-name", "report"], ["arts/report"]),
    ],
    ids=["all", "one-node", "by-name"],
)
def test_cp_downloads_output_artifacts(
    wf: Wf, arts: Path, tmp_path: Path, args: list[str], expected: list[str]
) -> None:
    node = [a for a in args if not a.startswith("-") and a != "report"]
    flags = [a for a in args if a not in node]
    result = wf("cp", "arts", *node, str(tmp_path / "out"), *flags)
    assert result.exit_code == 0, result.output
    target = tmp_path / "out" / "default" / "arts" / "arts" / "outputs" / "report"
    assert target.read_text() == "numbers\n"
    assert [line.split(" -> ")[0] for line in result.output.splitlines()] == expected


@pytest.mark.parametrize(
    ("positional", "flags", "code", "message"),
    [
        (["nope-node"], [], 1, "has no node 'nope-node'"),
        ([], ["--artifact-name", "gone"], 1, "has no stored output artifact named 'gone'"),
        (["a", "b"], [], 2, "expected NAME [NODE] DEST"),
    ],
    ids=["unknown-node", "deleted-artifact", "too-many"],
)
def test_cp_errors(
    wf: Wf,
    arts: Path,
    tmp_path: Path,
    positional: list[str],
    flags: list[str],
    code: int,
    message: str,
) -> None:
    result = wf("cp", "arts", *positional, str(tmp_path / "out"), *flags)
    assert result.exit_code == code
    assert message in result.output


def test_get_lists_output_artifacts(wf: Wf, arts: Path) -> None:
    result = wf("get", "arts")
    assert result.exit_code == 0, result.output
    assert "Output artifacts:" in result.output
    assert re.search(r"^ +arts: +report  local: arts/arts/report\.txt$", result.output, re.M)
    assert "gone" not in result.output  # deleted by GC
    node = json.loads(wf("get", "arts", "-o", "json").output)["status"]["nodes"]["arts"]
    assert node["outputs"]["artifacts"][0]["local"]["key"] == "arts/arts/report.txt"


def test_secret_create_list_delete(wf: Wf, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("s3cr3t-from-file")
    created = wf(
        "secret", "create", "creds", "--from-literal", "accesskey=AKIA-lit",
        "--from-file", f"secretkey={key_file}",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    obj = wf.store.get("Secret", "creds", "default")
    assert base64.b64decode(obj["data"]["accesskey"]).decode() == "AKIA-lit"
    assert base64.b64decode(obj["data"]["secretkey"]).decode() == "s3cr3t-from-file"
    listed = wf("secret", "list")
    assert listed.exit_code == 0
    assert "creds" in listed.output and "accesskey,secretkey" in listed.output
    assert "AKIA" not in listed.output and "s3cr3t" not in listed.output
    assert wf("secret", "create", "creds", "--from-literal", "a=b").exit_code == 1
    assert wf("secret", "delete", "creds").exit_code == 0
    assert wf("secret", "list").output.strip() == "No secrets found"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-literal", "novalue"], "expected KEY=VALUE"),
        ([], "give at least one --from-literal or --from-file"),
        (["--from-file", "k=/nonexistent/file"], "cannot read /nonexistent/file"),
    ],
    ids=["no-equals", "empty", "unreadable-file"],
)
def test_secret_create_errors(wf: Wf, args: list[str], message: str) -> None:
    result = wf("secret", "create", "bad", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert wf.store.list("Secret").items == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing option '--kubeconfig'"),
        (["--kubeconfig", "{cfg}", "--tls-cert-file", "{cfg}"], "go together"),
        (["--kubeconfig", "{cfg}", "--port", "70000"], "70000 is not in the range"),
        (["--kubeconfig", "{cfg}", "--sandbox", "docker"], "'docker' is not one of"),
        (["--kubeconfig", "{cfg}", "--crash-backoff", "0"], "0.0 is not in the range x>0"),
        (
            ["--kubeconfig", "{cfg}", "--crash-backoff", "20", "--crash-backoff-max", "10"],
            "--crash-backoff is longer than --crash-backoff-max",
        ),
    ],
    ids=[
        "no-kubeconfig",
        "half-tls",
        "bad-port",
        "bad-sandbox",
        "zero-backoff",
        "backoff-over-max",
    ],
)
def test_node_option_errors(wf: Wf, tmp_path: Path, args: list[str], message: str) -> None:
    cfg = tmp_path / "kubeconfig"
    cfg.write_text("apiVersion: v1\nkind: Config\n")
    wf.app.state_dir = tmp_path / "state"
    result = wf("node", *[a.replace("{cfg}", str(cfg)) for a in args])
    assert result.exit_code == 2
    assert message in result.output


def test_node_is_registered_with_its_help(wf: Wf) -> None:
    result = wf("node", "--help")
    assert result.exit_code == 0
    assert "Run a Kubernetes node whose pods run as local processes" in result.output
    assert "--kubeconfig" in result.output and "--state-dir" in result.output
