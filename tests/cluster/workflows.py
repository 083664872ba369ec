"""Helpers for the controller-on-the-cluster tests (tests/cluster/test_kube_*.py).

`KubeController` runs the real controller loop (workflow_engine.controller.kube) in a
thread of the test process against the `cluster` fixture's API server, for one
namespace, with the Kubernetes store and runtime; its pods run `wf-exec` from this
virtualenv (the test node runs containers as local processes with the host's files),
and report their TaskResults through the Kubernetes store with the pod's service
account. `prepare_namespace` installs the CRDs and the executor's Role.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.cluster.cluster import REPO_ROOT, ControlPlane
from tests.cluster.store_fixtures import install_crds as install_group
from tests.support.polling import poll
from workflow_engine.controller.kube import KubeOptions, run
from workflow_engine.controller.logs import workflow_logs
from workflow_engine.controller.loop import Controller
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
from workflow_engine.spec.status_codec import decompress_nodes
from workflow_engine.store import kubernetes_url, open_store
from workflow_engine.store.base import Obj, Store

DATA = REPO_ROOT / "tests" / "data" / "cluster" / "kube"
EXAMPLES = REPO_ROOT / "examples"
WF_EXEC = str(Path(sys.executable).with_name("wf-exec"))
DONE = ("Succeeded", "Failed", "Error")
GROUP = "argoproj.io"
_installed: set[str] = set()


def install_crds(cluster: ControlPlane) -> None:
    """Argo's group's CRDs (once per control plane), served before use, installed as the
    store's tests install them (server-side apply, as `wf install` does)."""
    if str(cluster.kubeconfig) in _installed:
        return
    install_group(cluster, GROUP)
    _installed.add(str(cluster.kubeconfig))


def prepare_namespace(cluster: ControlPlane, namespace: str) -> None:
    install_crds(cluster)
    cluster.kubectl("apply", "-n", namespace, "-f", str(DATA / "executor-rbac.yaml"))
    # The ServiceAccount admission refuses pods until the namespace's `default` exists.
    # (One HTTPS GET per 0.1 s, not a kubectl process per 10 ms: that stole a core from
    # the controller-manager that creates the account.)
    account = f"/api/v1/namespaces/{namespace}/serviceaccounts/default"
    poll(
        lambda: cluster.request("GET", account)[0] == 200,
        timeout=60,
        what="the default service account",
        interval=0.1,
    )


def cluster_store(cluster: ControlPlane) -> Store:
    """The Kubernetes store of the test cluster, in Argo's API group (examples/ apply
    unchanged)."""
    return open_store(kubernetes_url(str(cluster.kubeconfig), group=GROUP))


class KubeController:
    """The controller in a thread; `with KubeController(cluster, ns) as c: ...`."""

    def __init__(
        self, cluster: ControlPlane, namespace: str, workers: int = 3, **options: Any
    ) -> None:
        self.cluster, self.namespace = cluster, namespace
        self.options = KubeOptions(
            namespace=namespace, workers=workers, executor_command=(WF_EXEC,), **options
        )
        self._stop = threading.Event()
        self._started = threading.Event()
        self._errors: list[BaseException] = []
        self.controller: Controller | None = None
        self._thread = threading.Thread(target=self._run, name="kube-controller", daemon=True)

    def _run(self) -> None:
        store = cluster_store(self.cluster)
        api = load_api_client(str(self.cluster.kubeconfig))
        try:
            run(store, api, self.options, self._stop, on_started=self._on_started)
        except BaseException as exc:
            self._errors.append(exc)
            self._started.set()
        finally:
            store.close()
            api.close()

    def _on_started(self, controller: Controller) -> None:
        self.controller = controller
        self._started.set()

    def __enter__(self) -> KubeController:
        self._thread.start()
        self._started.wait(120)
        if self._errors:
            raise self._errors[0]
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


# Short leases for the tests of controllers as processes: a replacement of a killed
# controller waits the lease duration (Argo's and client-go's default is 15 s).
FAST_LEASE = {
    "WF_LEASE_DURATION": "4",
    "WF_LEASE_RENEW_DEADLINE": "3",
    "WF_LEASE_RETRY_PERIOD": "0.5",
}


def start_controller(
    cluster: ControlPlane,
    namespace: str,
    home: Path,
    identity: str | None = None,
    metrics_port: int | None = None,
) -> subprocess.Popen[bytes]:
    """`wf --kubeconfig K -n NS controller --namespaced` as a process, with a short
    Lease in NS (named `identity` if given), logging to `home/<identity>.log`, serving
    metrics on 127.0.0.1:`metrics_port` if given."""
    argv = [sys.executable, "-m", "cli.main", "--kubeconfig", str(cluster.kubeconfig)]
    argv += ["-n", namespace, "controller", "--namespaced", "--executor-command", WF_EXEC]
    env = {**os.environ, **FAST_LEASE, "WF_HOME": str(home), "HOME": str(home)}
    env["WF_API_GROUP"] = GROUP
    if identity is not None:
        env["WF_LEASE_IDENTITY"] = identity
    if metrics_port is not None:
        env.update(WF_METRICS_PORT=str(metrics_port), WF_METRICS_ADDRESS="127.0.0.1")
    log = (home / f"{identity or 'controller'}.log").open("ab")
    return subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def create(cluster: ControlPlane, namespace: str, doc: dict[str, Any]) -> str:
    """`kubectl create -f -` of a workflow document; its name."""
    out = cluster.kubectl(
        "create", "-n", namespace, "-f", "-", "-o", "name", input=json.dumps(doc)
    ).stdout
    return out.strip().rpartition("/")[2]


def example(name: str, parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """An example document, with `-p name=value` arguments folded in."""
    doc = dict(yaml.safe_load((EXAMPLES / name).read_text()))
    if parameters:
        args = doc["spec"].setdefault("arguments", {}).setdefault("parameters", [])
        for key, value in parameters.items():
            args[:] = [p for p in args if p.get("name") != key] + [{"name": key, "value": value}]
    return doc


def logged_metrics_port(log_text: Callable[[], str]) -> int:
    """The port an in-process KubeController (metrics_port=0) logged it serves /metrics on;
    `log_text` reads the captured log (caplog.text)."""
    found = poll(
        lambda: re.search(r"metrics on 127\.0\.0\.1:(\d+)", log_text()),
        timeout=120,
        what="the metrics address in the log",
    )
    return int(found.group(1))  # type: ignore[union-attr]


def get_workflow(store: Store, namespace: str, name: str) -> Obj:
    """The workflow, its node map expanded if the store compressed it."""
    wf = store.get("Workflow", name, namespace)
    if (wf.get("status") or {}).get("compressedNodes"):
        status = {k: v for k, v in wf["status"].items() if k != "compressedNodes"}
        wf = {**wf, "status": {**status, "nodes": node_map(wf)}}
    return wf


def wait_done(store: Store, namespace: str, name: str, timeout: float = 180.0) -> Obj:
    def done() -> Obj | None:
        wf = get_workflow(store, namespace, name)
        return wf if (wf.get("status") or {}).get("phase") in DONE else None

    # 0.2 s, not poll's 10 ms: a busy loop of GETs competes with the controller and the
    # pods for the 2 cores of CI, and a workflow's end is seen at most 0.2 s late.
    return poll(done, timeout, f"workflow {namespace}/{name} to finish", interval=0.2)


def node_map(wf: Obj) -> dict[str, Any]:
    """status.nodes, expanded when the store compressed them."""
    status = wf.get("status") or {}
    packed = status.get("compressedNodes")
    return dict(decompress_nodes(packed) if packed else status.get("nodes") or {})


def pod_logs(store: Store, runtime: KubernetesRuntime, wf: Obj) -> str:
    """Every pod's main log of the workflow, as `wf logs` prints them (through the
    pods/log API)."""
    meta = wf["metadata"]
    lines = workflow_logs(store, runtime, meta["name"], meta["namespace"])
    return "".join(f"{line.prefix}: {line.text}\n" for line in lines)
