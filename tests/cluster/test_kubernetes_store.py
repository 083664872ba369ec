"""The Kubernetes store beyond the shared contract: what only a real API server does.

What is real: the control plane, our CRDs, the `kubernetes` client, and for the
conflict test the controller's Reconciler with the real engine and a ProcessRuntime
(the workflow only suspends, so no pod runs). The racing writer is a second real
client; the store under test is the real store with a hook that lets that rival
write just before its first status write, so the API server answers 409.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.store_fixtures import crds, kube_store, open_kube_store  # noqa: F401
from tests.contract.store_contract import events_until, summary, unique, workflow
from workflow_engine.controller.clock import SystemClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.reconcile import Engine, Reconciler
from workflow_engine.engine import operate
from workflow_engine.errors import Conflict, Expired, NotFound, SpecError
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.spec.status_codec import status_from_dict, status_to_dict
from workflow_engine.store import Obj
from workflow_engine.store.kubernetes import KubernetesOptions, KubernetesStore

pytestmark = pytest.mark.cluster


def test_a_watch_from_a_compacted_version_raises_expired_and_a_relist_resumes(
    kube_store: KubernetesStore,  # noqa: F811
) -> None:
    ns = unique()
    with pytest.raises(Expired):
        next(iter(kube_store.watch("Workflow", ns, "1", timeout=5)))
    listed = kube_store.list("Workflow", ns)
    watch = kube_store.watch("Workflow", ns, listed.resource_version, timeout=5)
    kube_store.create(workflow("after", ns))
    assert summary(events_until(watch, 1)) == [("ADDED", "after")]


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"entrypoint": "main", "parallelism": "many"}, "spec.parallelism"),
        ({"entrypoint": "main", "templates": [{"name": 7}]}, "spec.templates[0].name"),
    ],
    ids=["integer-field", "nested-string-field"],
)
def test_the_servers_schema_errors_are_spec_errors_at_the_field_path(
    kube_store: KubernetesStore,  # noqa: F811
    spec: dict[str, object],
    path: str,
) -> None:
    ns = unique()
    with pytest.raises(SpecError) as caught:
        kube_store.create({**workflow("typed", ns), "spec": spec})
    assert caught.value.path == path
    with pytest.raises(NotFound):
        kube_store.get("Workflow", "typed", ns)


def test_secrets_config_maps_and_cluster_scoped_templates(
    kube_store: KubernetesStore,  # noqa: F811
) -> None:
    ns, name = unique(), unique("cwt")
    secret = {"kind": "Secret", "metadata": {"name": "creds", "namespace": ns}}
    kube_store.create({**secret, "data": {"key": "dmFsdWU="}})
    kube_store.create({"kind": "ConfigMap", "metadata": {"name": "repos", "namespace": ns}})
    assert kube_store.get("Secret", "creds", ns)["data"] == {"key": "dmFsdWU="}
    # beside kube-root-ca.crt, which the cluster puts in every namespace
    assert "repos" in [c["metadata"]["name"] for c in kube_store.list("ConfigMap", ns).items]
    template = {**workflow(name), "kind": "ClusterWorkflowTemplate"}
    created = kube_store.create(template)
    assert "namespace" not in created["metadata"]
    assert kube_store.get("ClusterWorkflowTemplate", name)["spec"] == template["spec"]
    kube_store.delete("ClusterWorkflowTemplate", name)
    with pytest.raises(NotFound):
        kube_store.get("ClusterWorkflowTemplate", name)


def test_an_unknown_kind_is_refused_before_any_request(
    kube_store: KubernetesStore,  # noqa: F811
) -> None:
    with pytest.raises(SpecError, match="kind"):
        kube_store.create({**workflow("x", unique()), "kind": "Gadget"})
    assert kube_store.list("Gadget", None).items == []


def test_the_group_is_found_on_the_cluster(crds: ControlPlane) -> None:  # noqa: F811
    store = KubernetesStore(KubernetesOptions(kubeconfig=str(crds.kubeconfig)))
    try:
        assert store.group == "wfengine.io"  # ours first when both are installed
    finally:
        store.close()


class RacingStore(KubernetesStore):
    """The real store; before its first status write a rival client relabels the
    workflow, so that write carries a stale resourceVersion and gets a 409."""

    def __init__(self, options: KubernetesOptions, rival: KubernetesStore) -> None:
        super().__init__(options)
        self.rival = rival
        self.conflicts = 0

    def update_status(self, obj: Obj) -> Obj:
        if self.conflicts == 0:
            meta = obj["metadata"]
            current = self.rival.get("Workflow", meta["name"], meta["namespace"])
            labels = {**current["metadata"]["labels"], "rival": "was-here"}
            self.rival.update({**current, "metadata": {**current["metadata"], "labels": labels}})
        try:
            return super().update_status(obj)
        except Conflict:
            self.conflicts += 1
            raise


def test_a_status_write_racing_another_writer_is_retried_and_nothing_is_lost(
    kube_store: KubernetesStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    ns = unique()
    submitted = {**workflow("raced", ns), "spec": {"entrypoint": "main"}}
    submitted["spec"]["templates"] = [{"name": "main", "suspend": {}}]
    kube_store.create(submitted)
    store = RacingStore(kube_store.options, rival=kube_store)
    runtime = ProcessRuntime(tmp_path / "runtime")
    engine = Engine(operate, status_to_dict, status_from_dict, lambda *_: {})
    reconciler = Reconciler(
        store, runtime, engine, SystemClock(), MemoryEventLog(), PodIndex(), ResultIndex()
    )
    try:
        reconciler.reconcile((ns, "raced"))
    finally:
        runtime.close()
        store.close()
    assert store.conflicts == 1
    stored = kube_store.get("Workflow", "raced", ns)
    assert stored["metadata"]["labels"]["rival"] == "was-here"  # the rival's write
    assert stored["status"]["phase"] == "Running"  # and the controller's
    assert any(n["type"] == "Suspend" for n in stored["status"]["nodes"].values())
