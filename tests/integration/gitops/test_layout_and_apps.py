"""`wf gitops init` and `wf gitops app create` against a real git daemon."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.fixtures.gitserver import GitServer
from tests.fixtures.httpserver import HTTPFiles, http_files  # noqa: F401
from tests.integration.gitops.conftest import Wf, witness

REPO = Path(__file__).parents[3]
EXAMPLES = REPO / "examples" / "gitops"


def test_init_lays_out_the_repository_in_one_commit(
    git_server: GitServer, wf: Wf, tmp_path: Path
) -> None:
    url = git_server.new_repo()
    done = wf("init", url, "--envs", "dev,qa,prod")
    assert done.exit_code == 0, done.output
    seen = witness(url, tmp_path)
    assert seen.log() == ["gitops init: layout for dev, qa, prod"]
    config = seen.yaml("gitops.yaml")
    assert config["environments"] == [
        {"name": "dev"},
        {"name": "qa", "requires": "dev", "soak": "0s"},
        {"name": "prod", "requires": "qa", "soak": "0s"},
    ]
    text = (seen.root / "bootstrap/install.yaml").read_text()
    install = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    kinds = {doc["kind"] for doc in install}
    assert {"CustomResourceDefinition", "Deployment", "ClusterRole"} <= kinds
    assert seen.yaml("bootstrap/kustomization.yaml")["resources"] == ["install.yaml"]
    shipped = ("promote-env", "sync-env", "verify-env", "rollback-env", "promotion-pipeline")
    for name in (f"{n}.yaml" for n in shipped):
        assert (seen.root / "pipelines" / name).read_text() == (EXAMPLES / name).read_text()

    again = wf("init", url, "--envs", "dev,qa,prod")
    assert again.exit_code == 0 and "nothing changed" in again.output
    other = wf("init", url, "--envs", "dev,prod")
    assert other.exit_code == 2 and "laid out already, for dev, qa, prod" in other.output
    assert len(witness(url, tmp_path).log()) == 1


def test_app_from_an_image_gets_a_deployment_a_service_and_overlays(
    repo: str, wf: Wf, tmp_path: Path
) -> None:
    seen = witness(repo, tmp_path)
    deployment = seen.yaml("apps/web/base/deployment.yaml")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert seen.yaml("apps/web/base/service.yaml")["spec"]["ports"] == [
        {"port": 8080, "targetPort": 8080}
    ]
    assert seen.yaml("apps/web/base/kustomization.yaml")["resources"] == [
        "deployment.yaml",
        "service.yaml",
    ]
    for env in ("dev", "staging", "prod"):
        overlay = seen.yaml(f"apps/web/envs/{env}/kustomization.yaml")
        assert overlay["resources"] == ["../../base"]
        assert overlay["namespace"] == env
        assert overlay["images"] == [{"name": "nginx", "newTag": "1.25"}]
    assert seen.log()[0] == "app web: add from image:nginx:1.25"


def test_app_from_a_manifest_file_and_a_kustomization(repo: str, wf: Wf, tmp_path: Path) -> None:
    manifest = tmp_path / "api.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n"
        "  template:\n    spec:\n      containers: [{name: a, image: 'ghcr.io/x/api:2.0'}]\n"
    )
    assert (
        wf("app", "create", "api", "--app", str(manifest), "--env", "dev", "--repo", repo).exit_code
        == 0
    )
    kdir = tmp_path / "kust"
    kdir.mkdir()
    (kdir / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (kdir / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert wf("app", "create", "cfg", "--app", str(kdir), "--repo", repo).exit_code == 0
    seen = witness(repo, tmp_path)
    assert seen.yaml("apps/api/envs/dev/kustomization.yaml")["images"] == [
        {"name": "ghcr.io/x/api", "newTag": "2.0"}
    ]
    assert not (seen.root / "apps/api/envs/staging").exists()
    assert (seen.root / "apps/cfg/base/cm.yaml").is_file()
    assert "images" not in seen.yaml("apps/cfg/envs/prod/kustomization.yaml")


def test_project_labels_every_object_of_the_app(repo: str, wf: Wf, tmp_path: Path) -> None:
    made = wf("app", "create", "shop", "--app", "image:nginx:1.25", "-p", "retail", "--repo", repo)
    assert made.exit_code == 0, made.output
    seen = witness(repo, tmp_path)
    assert "Project retail." in seen.message()
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(seen.root / "apps/shop/envs/staging")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    objects = list(yaml.safe_load_all(rendered))
    assert sorted(o["kind"] for o in objects) == ["Deployment", "Service"]
    for obj in objects:
        assert obj["metadata"]["labels"]["gitops.wfengine.io/project"] == "retail"
        assert obj["metadata"]["namespace"] == "staging"
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert "gitops.wfengine.io/project" not in deployment["spec"]["selector"]["matchLabels"]
    assert "labels" not in seen.yaml("apps/web/envs/dev/kustomization.yaml")  # no -p


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["web", "--app", "image:nginx:1.26"], "app 'web' exists already"),
        (["db", "--app", "image:postgres:16", "--env", "dev,qa"], "unknown environment 'qa'"),
        (["db", "--app", "image:postgres"], "IMAGE:TAG"),
        (["db", "--app", "/no/such/file"], "not a file, directory"),
        (["Bad_Name", "--app", "image:postgres:16"], "not a valid name"),
        (["db", "--app", "image:postgres:16", "--wait-timeout", "soon"], "--wait-timeout"),
        (["db", "--app", "image:postgres:16", "-p", "Retail"], "--project"),
    ],
    ids=[
        "exists",
        "unknown-env",
        "image-without-tag",
        "missing-source",
        "bad-name",
        "wait",
        "bad-project",
    ],
)
def test_bad_app_input_exits_2_and_pushes_nothing(
    git_server: GitServer, repo: str, wf: Wf, args: list[str], message: str
) -> None:
    before = git_server.head(repo)
    done = wf("app", "create", *args, "--repo", repo)
    assert done.exit_code == 2, done.output
    assert message in done.output
    assert git_server.head(repo) == before


def test_a_manifest_without_a_name_is_refused_at_its_document(
    repo: str, wf: Wf, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\n"
    )
    done = wf("app", "create", "x", "--app", str(bad), "--repo", repo)
    assert done.exit_code == 2
    assert "document 1: metadata.name: is required" in done.output


def test_an_unreachable_repository_exits_2(wf: Wf) -> None:
    from tests.fixtures.seaweedfs import free_ports

    url = f"git://127.0.0.1:{free_ports(1)[0]}/nothing.git"
    done = wf("init", url)
    assert done.exit_code == 2
    assert f"repo: cannot reach {url}" in done.output


def test_app_from_a_manifest_url_commits_its_content(
    repo: str,
    wf: Wf,
    tmp_path: Path,
    http_files: HTTPFiles,  # noqa: F811
) -> None:
    (http_files.root / "app.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
        "spec:\n  containers: [{name: c, image: 'busybox:1.36'}]\n"
    )
    done = wf("app", "create", "pod", "--app", f"{http_files.url}/app.yaml", "--repo", repo)
    assert done.exit_code == 0, done.output
    seen = witness(repo, tmp_path)
    assert seen.yaml("apps/pod/base/manifests.yaml")["metadata"] == {"name": "p"}
    assert seen.yaml("apps/pod/envs/dev/kustomization.yaml")["images"] == [
        {"name": "busybox", "newTag": "1.36"}
    ]
    missing = wf("app", "create", "gone", "--app", f"{http_files.url}/nope.yaml", "--repo", repo)
    assert missing.exit_code == 2 and "cannot fetch" in missing.output
