"""securityContext and resources.limits as the process runtime reads them (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.errors import SpecError
from workflow_engine.runtime.process.cgroups import Cgroups
from workflow_engine.runtime.process.isolation import USERNS_BASE, Boundary, probe_boundary
from workflow_engine.runtime.process.security import (
    CAPABILITIES,
    DEFAULT_CAPABILITIES,
    ContainerSecurity,
    container_security,
    quantity,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("128Mi", 128 * 2**20),
        ("1G", 1e9),
        ("500m", 0.5),
        ("2", 2),
        (3, 3),
        ("0.5", 0.5),
        ("1.5Gi", 1.5 * 2**30),
        ("2e3", 2000),
        ("64k", 64000),
    ],
)
def test_quantities(text: Any, value: float) -> None:
    assert quantity(text, "x") == value


@pytest.mark.parametrize(
    ("pod_ctx", "container", "path", "words"),
    [
        ({}, {"resources": {"limits": {"memory": "lots"}}}, "resources.limits.memory", "quantity"),
        ({}, {"resources": {"limits": {"cpu": "1Q"}}}, "resources.limits.cpu", "quantity"),
        ({}, {"resources": {"limits": {"cpu": True}}}, "resources.limits.cpu", "quantity"),
        ({}, {"resources": {"limits": {"cpu": "0"}}}, "resources.limits.cpu", "at least"),
        ({}, {"securityContext": {"runAsUser": -1}}, "securityContext.runAsUser", "user"),
        ({}, {"securityContext": {"runAsGroup": "x"}}, "securityContext.runAsGroup", "group"),
        (
            {},
            {"securityContext": {"capabilities": {"add": ["NET_ADMIN", "FLY"]}}},
            "securityContext.capabilities.add[1]",
            "unknown capability",
        ),
    ],
)
def test_bad_values_name_their_field(
    pod_ctx: dict[str, Any], container: dict[str, Any], path: str, words: str
) -> None:
    spec = {"securityContext": pod_ctx, "containers": [container]}
    with pytest.raises(SpecError) as e:
        container_security(spec, container, "spec.containers[0]")
    assert e.value.path == f"spec.containers[0].{path}" and words in str(e.value)


def test_pod_supplemental_group_errors_name_the_pod_field() -> None:
    spec = {"securityContext": {"supplementalGroups": [5, -2]}}
    with pytest.raises(SpecError) as e:
        container_security(spec, {}, "spec.containers[0]")
    assert e.value.path == "spec.securityContext.supplementalGroups[1]"


def mask(*names: str) -> int:
    return sum(1 << CAPABILITIES.index(n) for n in names)


def test_the_container_context_wins_over_the_pods() -> None:
    spec = {"securityContext": {"runAsUser": 5, "runAsGroup": 6, "supplementalGroups": [9]}}
    sec = container_security(spec, {"securityContext": {"runAsUser": 7}}, "c")
    assert (sec.run_as_user, sec.run_as_group, sec.groups) == (7, 6, (9,))
    assert sec.capabilities == mask(*DEFAULT_CAPABILITIES)


@pytest.mark.parametrize(
    ("ctx", "caps"),
    [
        ({"privileged": True}, None),
        ({"capabilities": {"drop": ["ALL"]}}, 0),
        ({"capabilities": {"drop": ["all"], "add": ["CAP_SYS_ADMIN"]}}, mask("SYS_ADMIN")),
        ({"capabilities": {"drop": ["KILL"]}}, mask(*DEFAULT_CAPABILITIES) & ~mask("KILL")),
    ],
)
def test_capabilities(ctx: dict[str, Any], caps: int | None) -> None:
    assert container_security({}, {"securityContext": ctx}, "c").capabilities == caps


def test_run_as_non_root_without_a_user_is_refused_with_kubernetes_words() -> None:
    sec = container_security({"securityContext": {"runAsNonRoot": True}}, {"name": "main"}, "c")
    assert sec.error == "container has runAsNonRoot and image will run as root (container 'main')"
    ok = {"securityContext": {"runAsNonRoot": True, "runAsUser": 1}}
    assert container_security(ok, {}, "c").error == ""


def test_limits_in_bytes_and_millicores() -> None:
    limits = {"resources": {"limits": {"memory": "1.5Ki", "cpu": "0.25"}}}
    sec = container_security({}, limits, "c")
    assert (sec.memory_bytes, sec.cpu_millis, sec.limited) == (1536, 250, True)


def test_the_iso_argument() -> None:
    cg = Cgroups(1, None, None)
    boundary = Boundary(frozenset({"pid", "uts", "ipc", "net"}), True, cg, "private")
    sec = ContainerSecurity(run_as_user=10, groups=(4,), capabilities=3, no_new_privs=True)
    iso = boundary.iso(sec, "p" * 70 + "-x", ("/cg/cgroup.procs",))
    assert iso == (
        f"pid,ipc,uts={'p' * 63},net,dev,uid=10,gid=0,group=4,caps=3,nnp,cg=/cg/cgroup.procs"
    )
    host = ContainerSecurity(host_network=True, capabilities=None)
    assert boundary.iso(host, "h", ()) == "pid,ipc,uts=h,dev"
    assert Boundary(notes=("no",)).iso(sec, "h", ()) == "-"


def test_the_iso_argument_with_a_user_namespace_and_the_filter() -> None:
    boundary = Boundary(frozenset({"pid", "user"}), True, None, "host", (), seccomp=True)
    pod_spec = {"hostUsers": False}
    sec = container_security(pod_spec, {}, "c")
    assert (sec.host_users, sec.seccomp, sec.filtered) == (False, "", True)
    assert boundary.iso(sec, "h", ()) == (
        f"pid,dev,userns={USERNS_BASE},uid=0,gid=0,caps={sec.capabilities:x},seccomp"
    )
    unconfined = {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}
    assert "seccomp" not in boundary.iso(container_security({}, unconfined, "c"), "h", ())
    privileged = {"securityContext": {"privileged": True}}
    assert "seccomp" not in boundary.iso(container_security({}, privileged, "c"), "h", ())
    no_userns = Boundary(frozenset({"pid"}), True, None, "host", (), seccomp=False)
    assert no_userns.iso(sec, "h", ()) == f"pid,dev,caps={sec.capabilities:x}"


@pytest.mark.parametrize(
    ("pod_spec", "container", "seccomp", "error"),
    [
        pytest.param({}, {}, "", "", id="unset"),
        pytest.param(
            {"securityContext": {"seccompProfile": {"type": "Unconfined"}}},
            {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
            "RuntimeDefault",
            "",
            id="container-wins",
        ),
        pytest.param(
            {"securityContext": {"seccompProfile": {"type": "Localhost"}}},
            {},
            "",
            "seccomp profile type Localhost ('') is not supported",
            id="localhost-refused",
        ),
    ],
)
def test_seccomp_profiles(
    pod_spec: dict[str, Any], container: dict[str, Any], seccomp: str, error: str
) -> None:
    sec = container_security(pod_spec, {"name": "main", **container}, "c")
    assert sec.seccomp == seccomp
    assert sec.error.startswith(error) if error else sec.error == ""


def test_refusing_an_unknown_layer_is_a_mistake_said_at_once() -> None:
    with pytest.raises(ValueError, match=r"unknown boundary layers \['usr'\]"):
        probe_boundary("auto", "plain", None, "host", "wf-test", refuse=("usr", "user"))
