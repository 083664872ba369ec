"""End to end in embedded mode: a workflow whose input artifact is a crafted tarball
(served by a real HTTP server on 127.0.0.1) ends in Error, and the host file the
tarball aims at is never created (`path-max` is the shape of the 2025 tarfile filter
bypasses, which the earlier realpath-based checks let through). A benign tarball
through the same path succeeds."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.httpserver import HTTPFiles, http_files  # noqa: F401  (fixture)
from tests.integration.controller.conftest import Embedded, data, embedded  # noqa: F401
from tests.unit.artifacts.crafted import path_max_chain

pytestmark = pytest.mark.integration


def _file(tar: tarfile.TarFile, name: str, body: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(body)
    tar.addfile(info, io.BytesIO(body))


def _link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def _absolute_link(host: Path) -> Callable[[tarfile.TarFile], None]:
    return lambda t: (_link(t, "bundle/out", str(host)), _file(t, "bundle/out/pwned", b"x"))


def _chained_links(host: Path) -> Callable[[tarfile.TarFile], None]:
    # Each link resolves inside the target when it is made; a later member writes
    # through the chain, and the last link aims at the host directory.
    depth = len(host.parts) + 8
    return lambda t: (
        _link(t, "bundle/a", "."),
        _link(t, "bundle/b", "a/a/a"),
        _link(t, "bundle/a/c", "../" * depth + str(host).lstrip("/")),
        _file(t, "bundle/b/c/pwned", b"x"),
    )


def _submit(embedded: Embedded, url: str) -> dict:  # noqa: F811
    path = embedded.home.parent / "hostile-input.yaml"
    path.write_text(Path(data("artifacts", "hostile-input.yaml")).read_text().replace("URL", url))
    result = embedded.wf("submit", str(path), "--wait", "-o", "json")
    return json.loads(result.output)


def _path_max(host: Path) -> Callable[[tarfile.TarFile], None]:
    return lambda t: path_max_chain(t, "bundle", host)


@pytest.mark.parametrize(
    "craft", [_absolute_link, _chained_links, _path_max], ids=["absolute", "chain", "path-max"]
)
def test_a_crafted_tarball_fails_the_pod_and_writes_nothing_on_the_host(
    embedded: Embedded,  # noqa: F811
    http_files: HTTPFiles,  # noqa: F811
    tmp_path: Path,
    craft: Callable[[Path], Callable[[tarfile.TarFile], None]],
) -> None:
    host = tmp_path / "host"
    host.mkdir()
    with tarfile.open(http_files.root / "evil.tgz", "w:gz") as tar:
        craft(host)(tar)
    obj = _submit(embedded, f"{http_files.url}/evil.tgz")
    assert obj["status"]["phase"] in ("Error", "Failed")
    pod = next(n for n in obj["status"]["nodes"].values() if n["type"] == "Pod")
    assert pod["phase"] in ("Error", "Failed"), pod
    assert "unsafe" in pod["message"], pod["message"]
    assert list(host.iterdir()) == []


def test_a_benign_tarball_is_unpacked(
    embedded: Embedded,  # noqa: F811
    http_files: HTTPFiles,  # noqa: F811
) -> None:
    with tarfile.open(http_files.root / "good.tgz", "w:gz") as tar:
        _file(tar, "bundle/sub/data.txt", b"hello")
        _link(tar, "bundle/link", "sub/data.txt")
    obj = _submit(embedded, f"{http_files.url}/good.tgz")
    assert obj["status"]["phase"] == "Succeeded", obj["status"]
    name = obj["metadata"]["name"]
    logs = embedded.wf("logs", name).output
    assert "data.txt" in logs and "link -> sub/data.txt" in logs
