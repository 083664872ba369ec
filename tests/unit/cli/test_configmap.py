"""`wf configmap create|list|get|delete`, bad input included (exit 2, nothing created)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.cli.conftest import Wf


def test_configmap_create_list_get_delete(wf: Wf, tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text("[app]\ncolour = blue\n")
    created = wf(
        "configmap", "create", "app", "--from-literal", "greeting=hello",
        "--from-file", f"conf={path}", "--from-file", str(path),
    )  # fmt: skip
    assert (created.exit_code, created.output) == (0, "configmap app created\n")
    obj = wf.store.get("ConfigMap", "app", "default")
    text = "[app]\ncolour = blue\n"
    assert obj["data"] == {"greeting": "hello", "conf": text, "settings.ini": text}
    listed = wf("configmap", "list")
    assert listed.exit_code == 0
    assert "app" in listed.output and "conf,greeting,settings.ini" in listed.output
    shown = wf("configmap", "get", "app", "-o", "json")
    assert json.loads(shown.output)["data"]["greeting"] == "hello"
    assert wf("configmap", "create", "app", "--from-literal", "a=b").exit_code == 1
    assert wf("configmap", "delete", "app").output == "configmap app deleted\n"
    assert wf("configmap", "list").output.strip() == "No configmaps found"
    missing = wf("configmap", "get", "app")
    assert missing.exit_code == 1
    assert "not found" in missing.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-literal", "novalue"], "--from-literal: expected KEY=VALUE"),
        (["--from-literal", "=v"], "--from-literal: expected KEY=VALUE"),
        ([], "configmap: give at least one --from-literal or --from-file"),
        (["--from-file", "k=/nonexistent/file"], "--from-file k: cannot read /nonexistent/file"),
        (["--from-file", "bin={binary}"], "--from-file bin: {binary} is not UTF-8 text"),
    ],
    ids=["no-equals", "no-key", "empty", "unreadable-file", "binary-file"],
)
def test_configmap_create_errors(wf: Wf, tmp_path: Path, args: list[str], message: str) -> None:
    binary = tmp_path / "blob"
    binary.write_bytes(b"\xff\xfe\x00")
    args = [a.format(binary=binary) for a in args]
    result = wf("configmap", "create", "bad", *args)
    assert result.exit_code == 2
    assert message.format(binary=binary) in result.output
    assert wf.store.list("ConfigMap").items == []
