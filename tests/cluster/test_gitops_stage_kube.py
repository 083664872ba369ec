"""One environment's stage of the promotion pipeline run by the Kubernetes controller:
the stage WorkflowTemplates (examples/gitops promote-env, sync-env, verify-env) applied
to the cluster, chained promote -> sync -> verify by templateRef, each step a pod on the
`wf node` agent.

Real: the controller loop (tests/cluster/workflows.KubeController) with the Kubernetes
store and runtime; the control plane; the `node` agent, whose pods are local processes
running `wf` through a launcher for this checkout; a config repository made by
`wf gitops init` and `wf gitops app create`, served by `git daemon` on loopback; dev's
web app, a Python HTTP server answering with its version. The sync step gets the
cluster's credentials as a kubeconfig path parameter (the pods share the host's files).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import app_from_env, cli
from tests.cluster.cluster import ControlPlane
from tests.cluster.gitops_app import (
    ENVS,
    answer,
    commit_and_push,
    web_app_base,
    write_overlays,
)
from tests.cluster.kube import NODE, get
from tests.cluster.procs import free_ports
from tests.cluster.workflows import (
    KubeController,
    cluster_store,
    create,
    get_workflow,
    prepare_namespace,
    wait_done,
)
from tests.fixtures.gitrepo import git
from tests.fixtures.gitserver import GitServer, clone
from tests.integration.gitops.test_pipelines_embedded import wf_on_path  # noqa: F401
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

EXAMPLES = Path(__file__).parents[2] / "examples" / "gitops"
STAGES = ("promote-env", "sync-env", "verify-env")


def _stage_workflow(repo: str, url: str, kubeconfig: str) -> dict[str, object]:
    """dev's stage as the pipeline's `stage` template chains it, with a new image."""
    common = [{"name": "repo", "value": repo}]
    steps = [
        {
            "name": "promote",
            "templateRef": {"name": "promote-env", "template": "promote"},
            "arguments": {
                "parameters": [
                    *common,
                    {"name": "app", "value": "web"},
                    {"name": "to", "value": "dev"},
                    {"name": "image", "value": "web:v2"},
                ]
            },
        },
        {
            "name": "sync",
            "templateRef": {"name": "sync-env", "template": "sync"},
            "arguments": {
                "parameters": [
                    *common,
                    {"name": "env", "value": "dev"},
                    {"name": "timeout", "value": "60s"},
                    {"name": "kubeconfig", "value": kubeconfig},
                ]
            },
        },
        {
            "name": "verify",
            "templateRef": {"name": "verify-env", "template": "verify"},
            "arguments": {
                "parameters": [
                    *common,
                    {"name": "app", "value": "web"},
                    {"name": "env", "value": "dev"},
                    {"name": "url", "value": url},
                    {"name": "body", "value": "^web v2 in dev$"},
                    {"name": "tries", "value": "1"},
                    {"name": "window", "value": "0s"},
                ]
            },
        },
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "dev-stage-"},
        "spec": {
            "entrypoint": "stage",
            "templates": [{"name": "stage", "steps": [[s] for s in steps]}],
        },
    }


def test_dev_stage_runs_as_pods_of_the_kubernetes_controller(
    cluster: ControlPlane,
    node: NodeAgent,
    namespace: str,
    git_server: GitServer,
    wf_on_path: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    state = {"WF_HOME": str(tmp_path / "home"), "WF_NO_CONTROLLER": "1"}

    def gitops(*args: str) -> Result:
        argv = ["--kubeconfig", str(cluster.kubeconfig), "gitops", *args]
        return CliRunner().invoke(cli, argv, obj=app_from_env(state))

    url = git_server.new_repo()
    assert gitops("init", url).exit_code == 0
    made = gitops("app", "create", "web", "--app", str(web_app_base(tmp_path)), "--repo", url)
    assert made.exit_code == 0, made.output
    prefix = f"s{uuid.uuid4().hex[:8]}"
    ports = dict(zip(ENVS, free_ports(len(ENVS)), strict=True))
    namespaces = {env: f"{prefix}-{env}" for env in ENVS}
    work = write_overlays(url, tmp_path / "customise", namespaces, ports)
    commit_and_push(work, "web: namespaces, ports, version from the image tag")
    synced = gitops("sync", "dev", "--repo", url, "--timeout", "90s")
    assert synced.exit_code == 0, synced.output
    app_url = f"http://127.0.0.1:{ports['dev']}/"
    assert answer(app_url) == "web v1 in dev"

    prepare_namespace(cluster, namespace)
    for stage in STAGES:
        cluster.kubectl("apply", "-n", namespace, "-f", str(EXAMPLES / f"{stage}.yaml"))
    try:
        with KubeController(cluster, namespace):
            doc = _stage_workflow(url, app_url, str(cluster.kubeconfig))
            name = create(cluster, namespace, doc)
            store = cluster_store(cluster)
            try:
                wf = wait_done(store, namespace, name, 180)
                wf = get_workflow(store, namespace, name)
            finally:
                store.close()
        assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"])[:3000]
        nodes = wf["status"]["nodes"].values()
        pods = [n for n in nodes if n["type"] == "Pod"]
        assert {n["displayName"] for n in pods} >= {"promote", "sync", "check", "record"}
        label = f"workflows.argoproj.io/workflow={name}"
        listed = get(cluster, namespace, "pods", "-l", label)["items"]
        assert len(listed) == len(pods)
        assert {p["spec"]["nodeName"] for p in listed} == {NODE}  # the `wf node` agent
        assert answer(app_url) == "web v2 in dev"
        seen = clone(url, tmp_path / "seen")
        log = git("log", "--format=%s", cwd=seen).splitlines()
        assert [s.split(":")[0] for s in log[:2]] == ["verify web in dev", "promote web to dev"]
    finally:
        cluster.kubectl("delete", "namespace", f"{prefix}-dev", "--wait=false", check=False)
