"""The nightly promotion pipeline end to end: examples/gitops/nightly-promotion-cron.yaml
(wrapping promotion-pipeline and the stage templates) runs on the embedded controller,
as a CI job would, and syncs each environment to the test cluster.

Real: a config repository made by `wf gitops init` and `wf gitops app create`, served by
`git daemon` on loopback; the embedded controller, its process runtime and executor;
the control plane with its scheduler and controllers; the `node` agent, whose pods are
local processes: the web app of each environment is a Python HTTP server on its own
loopback port, answering with its version (the image tag, copied into the container's
environment by a kustomize replacement); a loopback HTTP server receives the exit
handler's report. Pipeline steps run `wf` through a launcher for this checkout.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
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
from tests.cluster.kube import get
from tests.cluster.procs import free_ports
from tests.cluster.test_gitops_sync import webhook  # noqa: F401
from tests.fixtures.gitrepo import git
from tests.fixtures.gitserver import GitServer, clone
from tests.integration.controller.conftest import Embedded, embedded  # noqa: F401
from tests.integration.gitops.test_pipelines_embedded import wf_on_path  # noqa: F401
from tests.support.polling import poll
from workflow_engine.runtime.kubernetes_node import NodeAgent

# Two pipeline runs of a dozen `wf` steps each: about 2 minutes on an idle 2-core machine.
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

EXAMPLES = Path(__file__).parents[2] / "examples" / "gitops"


class Pipeline:
    """The config repository, the cluster and the embedded engine of one test."""

    def __init__(
        self, cluster: ControlPlane, engine: Embedded, url: str, tmp: Path, prefix: str
    ) -> None:
        self.cluster, self.engine, self.url, self.tmp = cluster, engine, url, tmp
        self.namespaces = {env: f"{prefix}-{env}" for env in ENVS}
        self.ports = dict(zip(ENVS, free_ports(len(ENVS)), strict=True))

    def gitops(self, *args: str) -> Result:
        argv = ["--kubeconfig", str(self.cluster.kubeconfig), "gitops", *args]
        return CliRunner().invoke(cli, argv, obj=app_from_env(self.engine.env))

    def answer(self, env: str) -> str:
        return answer(self.app_url(env))

    def app_url(self, env: str) -> str:
        return f"http://127.0.0.1:{self.ports[env]}/"

    def log(self) -> list[str]:
        seen = clone(self.url, self.tmp / f"seen-{uuid.uuid4().hex[:6]}")
        return git("log", "--format=%s", cwd=seen).splitlines()

    def customise_overlays(self) -> None:
        work = write_overlays(self.url, self.tmp / "customise", self.namespaces, self.ports)
        config = yaml.safe_load((work / "gitops.yaml").read_text())
        for entry in config["environments"]:
            entry["selfHeal"] = entry["name"] == "staging"  # the drift agent heals staging
        (work / "gitops.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        commit_and_push(work, "web: namespaces, ports, version from the image tag")

    def run_nightly(self, image: str, body: str, report_url: str) -> str:
        params = {
            "repo": self.url,
            "image": image,
            "body": body,
            "tries": "1",  # the readiness probe held the rollout until the app listened
            "window": "0s",
            "report-url": report_url,
            "sync-timeout": "90s",
            "kubeconfig": str(self.cluster.kubeconfig),
            **{f"{env}-url": self.app_url(env) for env in ENVS},
        }
        args = [a for k, v in params.items() for a in ("-p", f"{k}={v}")]
        done = self.engine.wf("submit", "--from", "cronwf/gitops-nightly", *args, "-o", "name")
        assert done.exit_code == 0, done.output
        return done.output.strip()

    def workflow(self, name: str) -> dict[str, Any]:
        return dict(json.loads(self.engine.wf("get", name, "-o", "json").output))

    def node_phase(self, name: str, display: str) -> str:
        nodes = (self.workflow(name).get("status") or {}).get("nodes", {}).values()
        return next((str(n["phase"]) for n in nodes if n["displayName"] == display), "")

    def failures(self, name: str) -> list[str]:
        """Each failed node and its message, for the assertion's report."""
        nodes = (self.workflow(name).get("status") or {}).get("nodes", {}).values()
        failed = [n for n in nodes if n["phase"] in ("Failed", "Error")]
        return [f"{n['displayName']}: {n.get('message', '')}" for n in failed]

    def finished(self, name: str) -> str:
        phase = str((self.workflow(name).get("status") or {}).get("phase", ""))
        return phase if phase in ("Succeeded", "Failed", "Error") else ""


@pytest.fixture
def pipeline(
    cluster: ControlPlane,
    node: NodeAgent,
    git_server: GitServer,
    embedded: Embedded,  # noqa: F811
    wf_on_path: Path,  # noqa: F811
    webhook: tuple[str, list[dict[str, Any]]],  # noqa: F811
    tmp_path: Path,
) -> Iterator[Pipeline]:
    prefix = f"p{uuid.uuid4().hex[:8]}"
    p = Pipeline(cluster, embedded, git_server.new_repo(), tmp_path, prefix)
    assert p.gitops("init", p.url).exit_code == 0
    made = p.gitops("app", "create", "web", "--app", str(web_app_base(tmp_path)), "--repo", p.url)
    assert made.exit_code == 0, made.output
    p.customise_overlays()
    for env in ENVS:
        synced = p.gitops("sync", env, "--repo", p.url, "--timeout", "90s")
        assert synced.exit_code == 0, synced.output
    for stage in ("promote-env", "sync-env", "verify-env", "rollback-env", "promotion-pipeline"):
        made = embedded.wf("template", "create", str(EXAMPLES / f"{stage}.yaml"))
        assert made.exit_code == 0, made.output
    for cron_file in ("nightly-promotion-cron.yaml", "drift-cron.yaml"):
        cron = embedded.wf("cron", "create", str(EXAMPLES / cron_file))
        assert cron.exit_code == 0, cron.output
    yield p
    for namespace in p.namespaces.values():
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def test_nightly_promotes_with_approval_rolls_back_a_bad_release_and_reports(
    pipeline: Pipeline,
    webhook: tuple[str, list[dict[str, Any]]],  # noqa: F811
) -> None:
    p = pipeline
    assert {env: p.answer(env) for env in ENVS} == {env: f"web v1 in {env}" for env in ENVS}
    url, reports = webhook

    # A good release: dev, staging, then it waits for a person before prod. (The polls
    # of the pipeline run `wf get` in this process: every 0.5 s, not in a busy loop
    # beside the controller and the pipeline's own `wf` steps.)
    good = p.run_nightly("web:v2", "^web v2 in ", url)
    poll(
        lambda: p.node_phase(good, "approve") == "Running",
        timeout=240,
        what="the approval",
        interval=0.5,
    )
    assert [p.answer(env) for env in ENVS] == [
        "web v2 in dev",
        "web v2 in staging",
        "web v1 in prod",
    ]
    assert p.engine.wf("resume", good).exit_code == 0
    poll(lambda: p.finished(good), timeout=180, what="the good release", interval=0.5)
    assert p.finished(good) == "Succeeded", p.failures(good)
    assert [p.answer(env) for env in ENVS] == [
        "web v2 in dev",
        "web v2 in staging",
        "web v2 in prod",
    ]
    assert [s.split(":")[0] for s in p.log()[:6]] == [
        "verify web in prod",
        "promote web to prod",
        "verify web in staging",
        "promote web to staging",
        "verify web in dev",
        "promote web to dev",
    ]
    history = p.gitops("history", "web", "--repo", p.url, "-o", "json")
    assert history.exit_code == 0, history.output
    promotions = [e for e in json.loads(history.output) if e["action"] == "promote"]
    assert [(e["env"], e["outcome"]) for e in promotions] == [
        ("prod", "verified"),
        ("staging", "verified"),
        ("dev", "verified"),
    ]
    status = p.gitops("status", "--repo", p.url, "-o", "json")
    assert status.exit_code == 0, status.output
    states = {s["env"]: s for s in json.loads(status.stdout)}
    assert {e: (s["sync"], s["health"]) for e, s in states.items()} == {
        env: ("Synced", "Healthy") for env in ENVS
    }
    dev_revision = states["dev"]["revision"]  # verification commits came after its sync
    assert dev_revision["live"] != [dev_revision["desired"]]
    poll(lambda: len(reports) == 1, timeout=60, what="the exit handler's report")
    assert reports[0]["status"] == "Succeeded" and reports[0]["failures"] == []

    # A bad release passes dev, fails in staging: rolled back there, prod untouched.
    bad = p.run_nightly("web:v3-fails-in-staging", "^web v3-fails-in-staging in ", url)
    poll(lambda: p.finished(bad), timeout=240, what="the bad release", interval=0.5)
    assert p.finished(bad) == "Failed"
    assert [p.answer(env) for env in ENVS] == [
        "web v3-fails-in-staging in dev",
        "web v2 in staging",
        "web v2 in prod",
    ]
    assert [s.split(":")[0] for s in p.log()[:5]] == [
        "rollback web in staging",
        "verify web in staging",
        "promote web to staging",
        "verify web in dev",
        "promote web to dev",
    ]
    assert p.log()[2].startswith("promote web to staging")
    poll(lambda: len(reports) == 2, timeout=60, what="the exit handler's failure report")
    assert reports[1]["workflow"] == bad and reports[1]["status"] == "Failed"
    failed_steps = {f["displayName"] for f in reports[1]["failures"]}
    assert "rolled-back" in failed_steps, reports[1]

    # The release that failed in staging cannot go to prod.
    before = p.log()
    refused = p.gitops("promote", "web", "--to", "prod", "--from", "dev", "--repo", p.url)
    assert refused.exit_code == 2, refused.output
    assert "staging" in refused.output and "verified" in refused.output
    assert p.log() == before

    # The drift agent (examples/gitops/drift-cron.yaml) checks every environment: a
    # hand-scaled staging is reported (webhook, Event) and, as staging asks, healed.
    staging = p.namespaces["staging"]
    p.cluster.kubectl("scale", "-n", staging, "deployment/web", "--replicas=0")
    envs = json.dumps(list(ENVS))
    args = ["-p", f"repo={p.url}", "-p", f"envs={envs}", "-p", f"webhook={url}"]
    args += ["-p", f"kubeconfig={p.cluster.kubeconfig}"]
    drift = p.engine.wf("submit", "--from", "cronwf/gitops-drift", *args, "-o", "name")
    assert drift.exit_code == 0, drift.output
    poll(
        lambda: p.finished(drift.output.strip()), timeout=240, what="the drift check", interval=0.5
    )
    assert p.finished(drift.output.strip()) == "Succeeded", p.failures(drift.output.strip())
    (alert,) = [r for r in reports if r.get("kind") == "GitOpsDrift"]
    assert alert["env"] == "staging" and alert["summary"]["changed"] == 1, alert
    (changed,) = alert["objects"]
    assert changed["object"] == f"Deployment/{staging}/web"
    assert "spec.replicas: 0 -> 1" in changed["changes"]
    events = get(p.cluster, staging, "events", "--field-selector", "reason=GitOpsDrift")
    assert [e["involvedObject"]["name"] for e in events["items"]] == ["web"]
    assert get(p.cluster, staging, "deployment", "web")["spec"]["replicas"] == 1
    poll(lambda: p.answer("staging") == "web v2 in staging", timeout=60, what="healed staging")
