"""`wf` verbs that change a running workflow, on the cluster, with the Kubernetes
controller running it: suspend/resume, `node set`, stop, terminate, resubmit, retry,
wait and watch. Each writes the workflow through the API the controller watches (spec
fields, annotations, the status subresource with its resourceVersion) and the
controller carries it out, as in embedded mode; a status write that meets another
writer's change (HTTP 409) reads again and writes again, losing neither (forced once).

What is real: see tests/cluster/kube_cli.py (the control plane, `wf node`, the
controller for one namespace, `wf --kubeconfig ...` through CliRunner, kubectl).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.app import App
from cli.main import cli
from tests.cluster.kube_cli import KubeCli, kube_cli_fixture  # noqa: F401
from tests.cluster.workflows import DATA, GROUP
from tests.support.polling import poll
from workflow_engine.errors import Conflict
from workflow_engine.store.base import Obj, Store

pytestmark = pytest.mark.cluster


def _by_template(obj: dict[str, Any], template: str) -> list[dict[str, Any]]:
    nodes = (obj.get("status") or {}).get("nodes") or {}
    return [n for n in nodes.values() if n.get("templateName") == template]


class RacedStore:
    """The cluster's store, where another writer changes the workflow just before this
    one's first status write (so that write meets the API server's 409)."""

    def __init__(self, store: Store, other_writer: Callable[[], None]) -> None:
        self._store, self._other_writer = store, other_writer
        self.conflicts = 0

    def update_status(self, obj: Obj) -> Obj:
        if self._other_writer is not None:
            self._other_writer()
            self._other_writer = None  # type: ignore[assignment]
        try:
            return self._store.update_status(obj)
        except Conflict:
            self.conflicts += 1
            raise

    def close(self) -> None:
        pass  # the fixture's store: it closes it

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_node_set_then_resume_a_suspend_step(kube_cli: KubeCli) -> None:
    name = kube_cli.submit(str(DATA / "cli-approve.yaml"))
    kube_cli.wait_node(name, "approve", "Running")

    selector = "--node-field-selector=displayName=approve"
    annotate = [f"workflows.{GROUP}/{name}", "-n", kube_cli.namespace, "reviewed=yes"]
    raced = RacedStore(kube_cli.store, lambda: kube_cli.cluster.kubectl("annotate", *annotate))
    app = App(open_store=lambda: raced, namespace=kube_cli.namespace)
    args = ["node", "set", name, selector, "-p", "answer=ship it"]
    supplied = CliRunner().invoke(cli, args, obj=app, catch_exceptions=False)
    assert supplied.exit_code == 0, supplied.output
    assert raced.conflicts == 1  # met the other write, read again, wrote again
    node = kube_cli.node(name, "approve")
    assert node["outputs"]["parameters"] == [{"name": "answer", "value": "ship it"}]
    assert node["phase"] == "Running"  # supplied, not yet resumed
    assert kube_cli.workflow(name)["metadata"]["annotations"]["reviewed"] == "yes"  # kept

    resumed = kube_cli.wf("resume", name, selector)
    assert resumed.exit_code == 0 and resumed.output == f"workflow {name} resumed\n"
    waited = kube_cli.wf("wait", name)
    assert (waited.exit_code, waited.output) == (0, f"{name} Succeeded\n")
    assert kube_cli.wf("logs", name, "say").output == "say: answer: ship it\n"


def test_suspend_resume_stop_runs_the_exit_handler_then_delete(kube_cli: KubeCli) -> None:
    name = kube_cli.submit(str(DATA / "cli-long.yaml"))
    kube_cli.wait_node(name, name, "Running")

    suspended = kube_cli.wf("suspend", name)
    assert (suspended.exit_code, suspended.output) == (0, f"workflow {name} suspended\n")
    assert kube_cli.workflow(name)["spec"]["suspend"] is True
    assert kube_cli.wf("resume", name).exit_code == 0
    assert "suspend" not in kube_cli.workflow(name)["spec"]

    stopped = kube_cli.wf("stop", name)
    assert (stopped.exit_code, stopped.output) == (0, f"workflow {name} stopped\n")
    assert kube_cli.workflow(name)["spec"]["shutdown"] == "Stop"
    watched = kube_cli.wf("watch", name)
    assert watched.exit_code == 1, watched.output  # not Succeeded
    obj = kube_cli.workflow(name)
    assert obj["status"]["phase"] == "Failed"
    assert [n["phase"] for n in _by_template(obj, "cleanup")] == ["Succeeded"]
    assert kube_cli.wf("stop", name).exit_code == 1  # a finished workflow: nothing to stop

    assert kube_cli.pods(name)  # the exit handler's pod outlives the workflow's end ...
    deleted = kube_cli.wf("delete", name)
    assert (deleted.exit_code, deleted.output) == (0, f"workflow {name} deleted\n")
    poll(lambda: not kube_cli.pods(name), what=f"the pods of {name} deleted", interval=0.3)


def test_terminate_skips_the_exit_handler_and_resubmit_starts_anew(kube_cli: KubeCli) -> None:
    name = kube_cli.submit(str(DATA / "cli-long.yaml"))
    kube_cli.wait_node(name, name, "Running")

    terminated = kube_cli.wf("terminate", name)
    assert (terminated.exit_code, terminated.output) == (0, f"workflow {name} terminated\n")
    waited = kube_cli.wf("wait", name)
    assert (waited.exit_code, waited.output) == (1, f"{name} Failed\n")
    assert _by_template(kube_cli.workflow(name), "cleanup") == []

    again = kube_cli.wf("resubmit", name, "-o", "name")
    assert again.exit_code == 0, again.output
    second = again.output.strip()
    assert second != name
    obj = kube_cli.workflow(second)
    assert obj["spec"]["onExit"] == "cleanup" and "shutdown" not in obj["spec"]
    assert kube_cli.wf("terminate", second).exit_code == 0
    assert kube_cli.wf("wait", second).exit_code == 1


def test_retry_reruns_only_the_failed_step(kube_cli: KubeCli, tmp_path: Path) -> None:
    spec = tmp_path / "cli-retry.yaml"
    spec.write_text((DATA / "cli-retry.yaml").read_text().replace("__DIR__", str(tmp_path)))
    first = kube_cli.wf("submit", str(spec), "--wait")
    assert first.exit_code == 1, first.output
    name = first.output.split()[0]
    assert kube_cli.wf("logs", name, "gate").output == "gate: no go file\n"
    ok_before = kube_cli.node(name, "ok")

    (tmp_path / "go").touch()
    retried = kube_cli.wf("retry", name, "--wait")

    assert retried.exit_code == 0, retried.output
    assert retried.output.splitlines() == [f"workflow {name} retried", f"{name} Succeeded"]
    assert (tmp_path / "lines").read_text() == "ok\n"  # `ok` did not run again
    ok_after = kube_cli.node(name, "ok")
    assert ok_after["outputs"]["result"] == "fine"
    assert ok_after["startedAt"] == ok_before["startedAt"]
    assert kube_cli.node(name, "gate")["phase"] == "Succeeded"
