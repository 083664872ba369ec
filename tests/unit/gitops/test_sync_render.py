"""workflow_engine.gitops.render: an environment of a config repository on disk
rendered with the real `kubectl kustomize` (or read as plain manifests), owned and
stamped; bad input is a SpecError naming the file or field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workflow_engine.errors import SpecError
from workflow_engine.gitops.apply import tracking_id
from workflow_engine.gitops.render import (
    APP_LABEL,
    ENV_LABEL,
    MANAGED_BY,
    REVISION,
    load_environments,
    own,
    render,
)

REPO = Path(__file__).parents[2] / "data" / "gitops" / "repo"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO, tmp_path / "repo"))


def test_kustomize_overlay_is_rendered_and_owned() -> None:
    rendered = render(REPO, "dev", "abc123")
    assert sorted(o["kind"] for o in rendered.objects) == ["ConfigMap", "Deployment"]
    for obj in rendered.objects:
        labels = obj["metadata"]["labels"]
        assert (labels[MANAGED_BY], labels[APP_LABEL], labels[ENV_LABEL]) == (
            "wf-gitops",
            "web",
            "dev",
        )
        assert obj["metadata"]["annotations"][REVISION] == "abc123"


def test_plain_manifests_without_a_kustomization() -> None:
    rendered = render(REPO, "staging", "r1")
    assert [o["metadata"]["name"] for o in rendered.objects] == ["staging-only"]
    assert rendered.env.requires == "dev"


def test_environments_come_from_gitops_yaml() -> None:
    assert [e.name for e in load_environments(REPO)] == ["dev", "staging"]


def _write(repo: Path, path: str, text: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)


@pytest.mark.parametrize(
    ("change", "env", "path", "reason"),
    [
        pytest.param(
            None,
            "prod",
            "gitops.yaml: environments",
            'unknown environment "prod"',
            id="unknown-env",
        ),
        pytest.param(
            ("gitops.yaml", "environments: [{name: dev}, {name: qa}]\n"),
            "qa",
            "apps/*/envs/qa",
            "no application has this environment",
            id="env-without-overlay",
        ),
        pytest.param(
            ("gitops.yaml", "environments: []\n"),
            "dev",
            "gitops.yaml: environments",
            "a non-empty list is required",
            id="no-environments",
        ),
        pytest.param(
            ("gitops.yaml", "environments: [{name: Dev_1}]\n"),
            "Dev_1",
            "gitops.yaml: environments[0].name",
            "not a valid label value",
            id="bad-env-name",
        ),
        pytest.param(
            ("apps/web/envs/staging/bad.yaml", "apiVersion: v1\nmetadata: {name: x}\n"),
            "staging",
            "apps/web/envs/staging/bad.yaml[0].kind",
            "is required",
            id="object-without-kind",
        ),
        pytest.param(
            (
                "apps/web/envs/staging/twice.yaml",
                (REPO / "apps/web/envs/staging/configmap.yaml").read_text(),
            ),
            "staging",
            "ConfigMap/staging-only",
            "defined twice",
            id="duplicate-object",
        ),
        pytest.param(
            ("apps/web/envs/dev/kustomization.yaml", "resources: [../../nowhere]\n"),
            "dev",
            "apps/web/envs/dev",
            "kustomize failed",
            id="kustomize-fails",
        ),
    ],
)
def test_bad_repository_is_a_spec_error(
    repo: Path, change: tuple[str, str] | None, env: str, path: str, reason: str
) -> None:
    if change:
        _write(repo, *change)
    with pytest.raises(SpecError) as err:
        render(repo, env, "r")
    assert err.value.path.endswith(path)
    assert reason in err.value.reason


def test_missing_directory_and_missing_config(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such directory"):
        render(tmp_path / "nope", "dev", "r")
    with pytest.raises(SpecError, match=r"gitops\.yaml: not found"):
        render(tmp_path, "dev", "r")


def test_own_leaves_the_input_alone_and_keeps_its_labels() -> None:
    original = {"kind": "ConfigMap", "metadata": {"name": "c", "labels": {"team": "a"}}}
    owned = own(original, "web", "dev", "r1")
    assert original == {"kind": "ConfigMap", "metadata": {"name": "c", "labels": {"team": "a"}}}
    assert owned["metadata"]["labels"] == {
        "team": "a",
        MANAGED_BY: "wf-gitops",
        APP_LABEL: "web",
        ENV_LABEL: "dev",
    }


def test_tracking_id_names_the_object_itself() -> None:
    obj = own(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "w", "namespace": "n"},
        },
        "web",
        "dev",
        "r",
    )
    assert tracking_id(obj) == "web:apps/Deployment:n/w"
    # the Endpoints of a Service copy its labels, never its identity
    copy = {**obj, "apiVersion": "v1", "kind": "Endpoints"}
    assert tracking_id(copy) != tracking_id(obj)
