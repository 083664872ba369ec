"""`wf gitops app create --wait-timeout`: the app is pushed to the config repository,
then each of its environments is synced to the cluster, and the command returns only
once they are healthy, or exits 1 listing what is not when the time passes.

Real: a config repository served by `git daemon` on loopback (made by `wf gitops
init`), the control plane and its scheduler, kustomize (kubectl), pods run as local
processes by the `node` fixture."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from cli.main import app_from_env, cli
from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import get
from tests.fixtures.gitserver import GitServer
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster

BASE = Path(__file__).parents[2] / "tests" / "data" / "gitops" / "repo" / "apps" / "web" / "base"


def _wf(cluster: ControlPlane, tmp_path: Path, *args: str) -> Result:
    env = {"WF_HOME": str(tmp_path / "state"), "WF_NO_CONTROLLER": "1"}
    argv = ["--kubeconfig", str(cluster.kubeconfig), "gitops", *args]
    return CliRunner().invoke(cli, argv, obj=app_from_env(env))


def _app(tmp_path: Path, name: str, command: str) -> Path:
    """The web app of the sync tests as Deployment `name`, its container running `command`."""
    app = tmp_path / name
    app.mkdir()
    deployment = yaml.safe_load((BASE / "deployment.yaml").read_text())
    deployment["metadata"]["name"] = name
    deployment["spec"]["selector"]["matchLabels"] = {"app": name}
    deployment["spec"]["template"]["metadata"]["labels"] = {"app": name}
    deployment["spec"]["minReadySeconds"] = 3  # a crashing container is Ready a moment
    deployment["spec"]["template"]["spec"]["containers"][0]["command"] = ["sh", "-c", command]
    (app / "deployment.yaml").write_text(yaml.safe_dump(deployment))
    (app / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    return app


def test_app_create_waits_until_healthy_or_lists_what_is_not(
    cluster: ControlPlane,
    node: NodeAgent,
    git_server: GitServer,
    tmp_path: Path,
) -> None:
    env = f"w{uuid.uuid4().hex[:8]}"  # also the overlay's namespace
    try:
        url = git_server.new_repo()
        assert _wf(cluster, tmp_path, "init", url, "--envs", env).exit_code == 0

        good = _app(tmp_path, "web", "echo up; exec sleep 3600")
        done = _wf(
            cluster,
            tmp_path,
            "app",
            "create",
            "web",
            "--app",
            str(good),
            "--repo",
            url,
            "--wait-timeout",
            "2m",
        )
        assert done.exit_code == 0, done.output
        assert f"{env}: synced at " in done.output and "healthy" in done.output
        deployment = get(cluster, env, "deployment", "web")
        assert deployment["status"].get("availableReplicas") == 1

        bad = _app(tmp_path, "broken", "exit 3")
        failed = _wf(
            cluster,
            tmp_path,
            "app",
            "create",
            "broken",
            "--app",
            str(bad),
            "--repo",
            url,
            "--wait-timeout",
            "15s",
        )
        assert failed.exit_code == 1, failed.output
        assert "timed out waiting for health" in failed.output
        assert "Deployment" in failed.output and "broken" in failed.output
    finally:
        # Its `broken` Deployment's container fails for ever. The node agent restarts it
        # in place with a back-off now; before, the ReplicaSet replaced each failed pod
        # and, left behind, they flooded the shared node for the rest of the session
        # (about 25 pods a minute). Nothing of a test outlives it.
        cluster.kubectl("delete", "namespace", env, "--wait=false", check=False)
