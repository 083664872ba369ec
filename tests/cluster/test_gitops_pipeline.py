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
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from cli.main import app_from_env, cli
from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import get
from tests.cluster.test_gitops_sync import webhook  # noqa: F401
from tests.fixtures.gitrepo import git
from tests.fixtures.gitserver import GitServer, clone, git_server  # noqa: F401
from tests.integration.controller.conftest import Embedded, embedded, poll  # noqa: F401
from tests.integration.gitops.test_pipelines_embedded import wf_on_path  # noqa: F401
from workflow_engine.runtime.kubernetes_node import NodeAgent

# Two pipeline runs of a dozen `wf` steps each: about 2 minutes on an idle 2-core machine.
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

EXAMPLES = Path(__file__).parents[2] / "examples" / "gitops"
ENVS = ("dev", "staging", "prod")

# The app: `web <tag> in <env>`; a tag ending in `-fails-in-<env>` answers 500 there
# (a release that passes dev and breaks in staging), except on /healthz.
APP = """
import http.server, os
version = os.environ["VERSION"].rpartition(":")[2]
env = os.environ["ENV"]
broken = version.endswith("-fails-in-" + env)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        bad = broken and self.path != "/healthz"
        body = ("broken" if bad else f"web {version} in {env}").encode()
        self.send_response(500 if bad else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _base(tmp_path: Path) -> Path:
    base = tmp_path / "web-app"
    base.mkdir()
    container = {
        "name": "main",
        "image": "web:v1",
        "command": ["python3", "-c", APP],
        "env": [{"name": "VERSION", "value": "set by each overlay"}],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},  # each env's server owns one host port
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "nodeSelector": {"kubernetes.io/hostname": "wf-test-node"},
                    "terminationGracePeriodSeconds": 1,
                    "containers": [container],
                },
            },
        },
    }
    (base / "deployment.yaml").write_text(yaml.safe_dump(deployment))
    (base / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    return base


def _overlay_extras(env: str, namespace: str, port: int) -> dict[str, Any]:
    """What a team adds to the overlays `app create` wrote: its namespace, port, and the
    image tag as the app's VERSION."""
    patch = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "env": [
                                {"name": "ENV", "value": env},
                                {"name": "PORT", "value": str(port)},
                            ],
                            "readinessProbe": {
                                "httpGet": {"path": "/healthz", "port": port},
                                "periodSeconds": 1,
                            },
                        }
                    ]
                }
            }
        },
    }
    image = "spec.template.spec.containers.0.image"
    return {
        "namespace": namespace,
        "patches": [{"patch": yaml.safe_dump(patch)}],
        "replacements": [
            {
                "source": {"kind": "Deployment", "name": "web", "fieldPath": image},
                "targets": [
                    {
                        "select": {"kind": "Deployment", "name": "web"},
                        "fieldPaths": ["spec.template.spec.containers.0.env.[name=VERSION].value"],
                    }
                ],
            }
        ],
    }


class Pipeline:
    """The config repository, the cluster and the embedded engine of one test."""

    def __init__(
        self, cluster: ControlPlane, engine: Embedded, url: str, tmp: Path, prefix: str
    ) -> None:
        self.cluster, self.engine, self.url, self.tmp = cluster, engine, url, tmp
        self.namespaces = {env: f"{prefix}-{env}" for env in ENVS}
        self.ports = dict(zip(ENVS, _free_ports(len(ENVS)), strict=True))

    def gitops(self, *args: str) -> Result:
        argv = ["--kubeconfig", str(self.cluster.kubeconfig), "gitops", *args]
        return CliRunner().invoke(cli, argv, obj=app_from_env(self.engine.env))

    def answer(self, env: str) -> str:
        try:
            with urllib.request.urlopen(self.app_url(env), timeout=5) as reply:
                return str(reply.read().decode())
        except (urllib.error.URLError, OSError) as exc:
            return f"no answer: {exc}"

    def app_url(self, env: str) -> str:
        return f"http://127.0.0.1:{self.ports[env]}/"

    def log(self) -> list[str]:
        seen = clone(self.url, self.tmp / f"seen-{uuid.uuid4().hex[:6]}")
        return git("log", "--format=%s", cwd=seen).splitlines()

    def customise_overlays(self) -> None:
        work = clone(self.url, self.tmp / "customise")
        for env in ENVS:
            path = work / "apps" / "web" / "envs" / env / "kustomization.yaml"
            overlay = yaml.safe_load(path.read_text())
            overlay |= _overlay_extras(env, self.namespaces[env], self.ports[env])
            path.write_text(yaml.safe_dump(overlay, sort_keys=False))
        config = yaml.safe_load((work / "gitops.yaml").read_text())
        for entry in config["environments"]:
            entry["selfHeal"] = entry["name"] == "staging"  # the drift agent heals staging
        (work / "gitops.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        git("commit", "-qam", "web: namespaces, ports, version from the image tag", cwd=work)
        git("push", "-q", "origin", "main", cwd=work)

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
    git_server: GitServer,  # noqa: F811
    embedded: Embedded,  # noqa: F811
    wf_on_path: Path,  # noqa: F811
    webhook: tuple[str, list[dict[str, Any]]],  # noqa: F811
    tmp_path: Path,
) -> Iterator[Pipeline]:
    prefix = f"p{uuid.uuid4().hex[:8]}"
    p = Pipeline(cluster, embedded, git_server.new_repo(), tmp_path, prefix)
    assert p.gitops("init", p.url).exit_code == 0
    made = p.gitops("app", "create", "web", "--app", str(_base(tmp_path)), "--repo", p.url)
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

    # A good release: dev, staging, then it waits for a person before prod.
    good = p.run_nightly("web:v2", "^web v2 in ", url)
    poll(lambda: p.node_phase(good, "approve") == "Running", timeout=240, what="the approval")
    assert [p.answer(env) for env in ENVS] == [
        "web v2 in dev",
        "web v2 in staging",
        "web v1 in prod",
    ]
    assert p.engine.wf("resume", good).exit_code == 0
    poll(lambda: p.finished(good), timeout=180, what="the good release")
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
    poll(lambda: p.finished(bad), timeout=240, what="the bad release")
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
    poll(lambda: p.finished(drift.output.strip()), timeout=240, what="the drift check")
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
