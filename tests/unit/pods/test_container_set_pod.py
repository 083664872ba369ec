"""The pod of a containerSet template: one executor-wrapped container per member."""

from __future__ import annotations

from tests.unit.pods.test_build_pod import _env, _pod
from workflow_engine.vocabulary import (
    CONTAINER_SET_ANNOTATION,
    CONTAINER_SET_DIR,
    SIDECARS_ANNOTATION,
)


def test_every_member_is_a_wrapped_container_with_its_name() -> None:
    pod = _pod("set")
    containers = pod["spec"]["containers"]
    assert [c["name"] for c in containers] == ["a", "main", "helper"]
    for member, argv in (("a", ["true"]), ("main", ["echo", "hi"])):
        container = next(c for c in containers if c["name"] == member)
        assert container["command"] == ["wf-exec", "run", "--", *argv]
        assert _env(container)["WF_CONTAINER_NAME"] == member
        assert "dependencies" not in container
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert mounts["/work"] == "work"  # the set's shared mounts
        assert CONTAINER_SET_DIR in mounts  # where members leave their exit codes
    assert containers[2]["command"] == ["sleep", "9"]  # a sidecar stays as written


def test_the_status_volume_and_annotations() -> None:
    pod = _pod("set")
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    status = next(
        m["name"]
        for m in pod["spec"]["containers"][0]["volumeMounts"]
        if m["mountPath"] == CONTAINER_SET_DIR
    )
    assert volumes[status] == {"name": status, "emptyDir": {}}
    assert "work" in volumes
    annotations = pod["metadata"]["annotations"]
    assert annotations[CONTAINER_SET_ANNOTATION] == "true"
    # only the template's sidecars end early: `a` is no sidecar though it is not `main`
    assert annotations[SIDECARS_ANNOTATION] == "helper"


def test_other_pods_carry_no_set_annotation() -> None:
    assert CONTAINER_SET_ANNOTATION not in _pod("plain")["metadata"]["annotations"]
