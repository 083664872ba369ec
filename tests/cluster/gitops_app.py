"""The small web app of the GitOps cluster tests (test_gitops_pipeline.py,
test_gitops_stage_kube.py): its kustomize base, what each environment's overlay adds
(namespace, port, the image tag as its version), and how a test reads its answer.

Each environment's app is a Python HTTP server run by the `node` agent as a pod process,
listening on its own loopback port.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.fixtures.gitrepo import git
from tests.fixtures.gitserver import clone

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


def web_app_base(tmp_path: Path) -> Path:
    """The app's kustomize base (one Deployment, pinned to the `node` agent) under tmp_path."""
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


def overlay_extras(env: str, namespace: str, port: int) -> dict[str, Any]:
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


def write_overlays(
    url: str, work: Path, namespaces: Mapping[str, str], ports: Mapping[str, int]
) -> Path:
    """Clone the config repository `url` into `work` and add overlay_extras to every
    environment's overlay (not yet committed); return the clone."""
    clone(url, work)
    for env in ENVS:
        path = work / "apps" / "web" / "envs" / env / "kustomization.yaml"
        overlay = yaml.safe_load(path.read_text())
        overlay |= overlay_extras(env, namespaces[env], ports[env])
        path.write_text(yaml.safe_dump(overlay, sort_keys=False))
    return work


def commit_and_push(work: Path, message: str) -> None:
    git("commit", "-qam", message, cwd=work)
    git("push", "-q", "origin", "main", cwd=work)


def answer(url: str) -> str:
    """The app's reply at `url`, or why there was none."""
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return str(reply.read().decode())
    except (urllib.error.URLError, OSError) as exc:
        return f"no answer: {exc}"
