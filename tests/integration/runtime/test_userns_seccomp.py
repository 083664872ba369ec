"""User namespaces (`hostUsers: false`) and the default seccomp filter around overlay pods.

Real here: ProcessRuntime with the overlay sandbox entered by wf-sandbox (built by
scripts/setup.sh), as root, real processes, the kernel's user namespaces and seccomp
filters; system calls are made from python3 inside the pod (ctypes on libc). Each
fallback is reached by `refuse_layers`, which leaves a layer out as a kernel refusing
it would; a layer is skipped only when the probe says the kernel refuses it.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.contract.runtime_contract import log_text, pod, sh, unique, wait_phase
from tests.integration.runtime.test_boundary import run
from workflow_engine.errors import SpecError
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.runtime.process.isolation import USERNS_BASE, probe_namespaces
from workflow_engine.runtime.process.sandbox import find_helper


@pytest.fixture
def runtime(boundary_runtimes: Any) -> ProcessRuntime:
    rt: ProcessRuntime = boundary_runtimes()
    assert rt.boundary.active, rt.boundary.describe()
    return rt


def needs_userns(runtime: ProcessRuntime) -> None:
    if not runtime.boundary.user_namespaces:
        pytest.skip(f"the kernel refuses a user namespace here ({runtime.boundary.describe()})")


def needs_seccomp(runtime: ProcessRuntime) -> None:
    if not runtime.boundary.seccomp:
        pytest.skip(f"no seccomp filter here ({runtime.boundary.describe()})")


NO_USERS: dict[str, Any] = {"hostUsers": False}


def test_the_probe_finds_user_namespaces_as_unshare_does(runtime: ProcessRuntime) -> None:
    helper = find_helper()
    assert helper is not None and shutil.which("unshare") is not None
    unshare = subprocess.run(["unshare", "-U", "-r", "true"], check=False).returncode == 0
    assert ("user" in probe_namespaces(helper)) == unshare
    assert runtime.boundary.user_namespaces == unshare
    assert ("user namespace" in runtime.boundary.describe()) == unshare


def test_root_in_a_user_namespace_is_a_mapped_uid_on_the_host(
    runtime: ProcessRuntime, tmp_path: Path
) -> None:
    needs_userns(runtime)
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    locked = tmp_path / "locked"  # root's, 0755: host root could write here, the pod not
    locked.mkdir()
    name = unique("userns")
    script = (
        "id -u; id -g; cat /proc/self/uid_map | tr -s ' '; echo x > /shared/by-root;"
        " echo y > /scratch/in-empty-dir; echo z > /tmp/in-overlay && echo tmp-ok;"
        " (echo w > /locked/f) 2>/dev/null && echo wrote-locked || echo locked-refused"
    )
    volumes = [
        {"name": "shared", "hostPath": {"path": str(shared)}},
        {"name": "locked", "hostPath": {"path": str(locked)}},
        {"name": "scratch", "emptyDir": {}},
    ]
    mounts = [
        # mounted at the top: the host's pytest directories are root's and 0700
        {"name": "shared", "mountPath": "/shared"},
        {"name": "locked", "mountPath": "/locked"},
        {"name": "scratch", "mountPath": "/scratch"},
    ]
    container = sh("main", script, volumeMounts=mounts)
    runtime.create_pod(pod(name, container, volumes=volumes, **NO_USERS))
    seen = wait_phase(runtime, name)
    log = log_text(runtime, name)
    assert seen.phase == "Succeeded", log
    assert log.split("\n") == [
        "0",
        "0",
        f" 0 {USERNS_BASE} 65536",
        "tmp-ok",
        "locked-refused",
        "",
    ]
    made = (shared / "by-root").stat()
    assert (made.st_uid, made.st_gid) == (USERNS_BASE, USERNS_BASE)
    assert not (locked / "f").exists()
    empty_dir = tmp_path / "state0" / "pods" / "default" / name / "volumes" / "scratch"
    assert (empty_dir / "in-empty-dir").stat().st_uid == USERNS_BASE


def test_run_as_user_in_a_user_namespace_is_offset_by_the_base(
    runtime: ProcessRuntime, host_dir: Path
) -> None:
    needs_userns(runtime)
    name = unique("userns-user")
    context = {"runAsUser": 1000, "runAsGroup": 2000}
    mounts = [{"name": "host", "mountPath": "/host"}]
    container = sh("main", "id -u; touch /host/f", securityContext=context, volumeMounts=mounts)
    volumes = [{"name": "host", "hostPath": {"path": str(host_dir)}}]
    runtime.create_pod(pod(name, container, volumes=volumes, **NO_USERS))
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert log_text(runtime, name) == "1000\n"
    made = (host_dir / "f").stat()
    assert (made.st_uid, made.st_gid) == (USERNS_BASE + 1000, USERNS_BASE + 2000)


def test_without_host_users_false_root_stays_the_hosts_root(
    runtime: ProcessRuntime, host_dir: Path
) -> None:
    name = unique("hostusers")
    runtime.create_pod(pod(name, sh("main", f"touch {host_dir}/f"), host_dir=host_dir))
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert (host_dir / "f").stat().st_uid == 0


def test_host_users_false_is_refused_where_user_namespaces_are_not(boundary_runtimes: Any) -> None:
    runtime = boundary_runtimes(refuse_layers=("user",))
    assert not runtime.boundary.user_namespaces
    assert "the kernel refuses a user namespace" in runtime.boundary.describe()
    name = unique("nouserns")
    runtime.create_pod(pod(name, sh("main", "echo ran"), **NO_USERS))
    seen = wait_phase(runtime, name)
    main = seen.containers[0]
    assert (seen.phase, main.reason) == ("Failed", "ContainerCannotRun")
    assert "hostUsers: false cannot be honoured here" in main.message
    assert log_text(runtime, name) == ""  # nothing ran


# The calls, each printed as "ok" or its errno name. keyctl, unshare(0) and
# ptrace(TRACEME) need no capability, so only the filter can refuse them; mount needs
# SYS_ADMIN. System call numbers of keyctl: x86_64 250, aarch64 219.
SYSCALLS = """python3 -c '
import ctypes, errno, platform
libc = ctypes.CDLL(None, use_errno=True)
keyctl = {"x86_64": 250, "aarch64": 219}[platform.machine()]
calls = {
    "keyctl": lambda: libc.syscall(keyctl, 0, -3, 0),
    "unshare": lambda: libc.unshare(0),
    "ptrace": lambda: libc.ptrace(0, 0, None, None),
    "mount": lambda: libc.mount(b"none", b"/mnt", b"tmpfs", 0, None),
}
for name, call in calls.items():
    ctypes.set_errno(0)
    failed = call() == -1
    print(name, errno.errorcode[ctypes.get_errno()] if failed else "ok")
'"""


def _calls(log: str) -> dict[str, str]:
    return dict(line.split() for line in log.splitlines())


FILTERED = {"keyctl": "EPERM", "unshare": "EPERM", "ptrace": "EPERM", "mount": "EPERM"}
UNFILTERED = {"keyctl": "ok", "unshare": "ok", "ptrace": "ok", "mount": "EPERM"}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        pytest.param({}, FILTERED, id="unset-is-runtime-default"),
        pytest.param(
            {"seccompProfile": {"type": "RuntimeDefault"}}, FILTERED, id="runtime-default"
        ),
        pytest.param({"seccompProfile": {"type": "Unconfined"}}, UNFILTERED, id="unconfined"),
        pytest.param(
            {"privileged": True}, {**UNFILTERED, "mount": "ok"}, id="privileged-has-no-filter"
        ),
        pytest.param(
            {"capabilities": {"add": ["SYS_ADMIN", "SYS_PTRACE"]}},
            {**UNFILTERED, "keyctl": "EPERM", "mount": "ok"},
            id="added-capabilities-let-their-calls-through",
        ),
    ],
)
def test_the_default_filter_refuses_host_wide_calls(
    runtime: ProcessRuntime, context: dict[str, Any], expected: dict[str, str]
) -> None:
    needs_seccomp(runtime)
    if platform.machine() not in ("x86_64", "aarch64"):
        pytest.skip("the test knows keyctl's number on x86_64 and aarch64 only")
    phase, _, log = run(runtime, SYSCALLS, securityContext=context)
    assert (phase, _calls(log)) == ("Succeeded", expected), log


def test_the_pod_level_profile_applies_and_the_containers_wins(runtime: ProcessRuntime) -> None:
    needs_seccomp(runtime)
    unconfined = {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}
    phase, _, log = run(runtime, SYSCALLS, pod=unconfined)
    assert (phase, _calls(log)["keyctl"]) == ("Succeeded", "ok")
    default = {"seccompProfile": {"type": "RuntimeDefault"}}
    phase, _, log = run(runtime, SYSCALLS, pod=unconfined, securityContext=default)
    assert (phase, _calls(log)["keyctl"]) == ("Succeeded", "EPERM")


def test_the_filter_holds_in_a_user_namespace(runtime: ProcessRuntime) -> None:
    needs_seccomp(runtime)
    needs_userns(runtime)
    phase, _, log = run(runtime, SYSCALLS, pod=NO_USERS)
    assert (phase, _calls(log)) == ("Succeeded", FILTERED), log


def test_without_seccomp_calls_go_through_and_an_explicit_profile_is_noted(
    boundary_runtimes: Any,
) -> None:
    runtime = boundary_runtimes(refuse_layers=("seccomp",))
    assert not runtime.boundary.seccomp and "no seccomp filter" in runtime.boundary.describe()
    phase, _, log = run(runtime, SYSCALLS)
    assert (phase, _calls(log)) == ("Succeeded", UNFILTERED)
    default = {"seccompProfile": {"type": "RuntimeDefault"}}
    phase, _, log = run(runtime, "echo ran", securityContext=default)
    first, ran = log.splitlines()
    assert phase == "Succeeded" and ran == "ran"
    assert first.startswith("seccompProfile RuntimeDefault not applied")


def test_a_localhost_profile_is_refused_as_the_kubelet_refuses_it(runtime: ProcessRuntime) -> None:
    name = unique("localhost")
    context = {"seccompProfile": {"type": "Localhost", "localhostProfile": "my.json"}}
    runtime.create_pod(pod(name, sh("main", "echo ran"), securityContext=context))
    seen = wait_phase(runtime, name)
    main = seen.containers[0]
    assert (seen.phase, main.reason) == ("Failed", "CreateContainerConfigError")
    assert "Localhost ('my.json') is not supported" in main.message
    assert log_text(runtime, name) == ""


@pytest.mark.parametrize(
    ("spec", "container", "path"),
    [
        (
            {},
            {"securityContext": {"seccompProfile": {"type": "Strict"}}},
            "spec.containers[0].securityContext.seccompProfile.type",
        ),
        ({"hostUsers": "no"}, {}, "spec.hostUsers"),
        (
            NO_USERS,
            {"securityContext": {"runAsUser": 70000}},
            "spec.containers[0].securityContext.runAsUser",
        ),
    ],
)
def test_bad_profiles_and_host_users_are_refused_before_anything_is_created(
    runtime: ProcessRuntime, spec: dict[str, Any], container: dict[str, Any], path: str
) -> None:
    with pytest.raises(SpecError) as e:
        runtime.create_pod(pod(unique("bad"), sh("main", "true", **container), **spec))
    assert e.value.path == path
    assert runtime.observe() == []


def test_root_in_a_user_namespace_writes_only_where_anyone_may(runtime: ProcessRuntime) -> None:
    needs_userns(runtime)
    script = (
        "(echo x > /result.txt) 2>/dev/null && echo wrote-root || echo root-refused;"
        " touch made && stat -c %u . && echo x > /tmp/t && echo tmp-ok"
    )
    phase, _, log = run(runtime, script, pod=NO_USERS, workingDir="/work/new")
    assert (phase, log) == ("Succeeded", "root-refused\n0\ntmp-ok\n")


def test_even_privileged_root_in_a_user_namespace_cannot_mount_or_set_the_hostname(
    runtime: ProcessRuntime,
) -> None:
    """Its other namespaces (mount, UTS...) belong to the host's user namespace: capabilities that
    hold only in its own user namespace change nothing in them."""
    needs_userns(runtime)
    script = (
        "(hostname other) 2>/dev/null && echo renamed || echo hostname-refused;"
        " (mount -t tmpfs none /mnt) 2>/dev/null && echo mounted || echo mount-refused;"
        " grep CapEff /proc/self/status | cut -f2"
    )
    phase, _, log = run(runtime, script, pod=NO_USERS, securityContext={"privileged": True})
    assert phase == "Succeeded"
    lines = log.splitlines()
    assert lines[:2] == ["hostname-refused", "mount-refused"]
    assert int(lines[2], 16) != 0  # it has capabilities, in its own namespace


def test_a_nested_chroot_cannot_climb_out_of_the_overlay(runtime: ProcessRuntime) -> None:
    """Root keeps CAP_SYS_CHROOT (a container engine's default set): chrooting into a
    subdirectory and walking `..` from outside it would reach the mount namespace's
    root, were the overlay entered by chroot. It is entered by pivot_root, and the
    host's tree is detached: the walk ends at the overlay's root."""
    script = """echo x > /only-in-this-overlay; python3 -c '
import os
os.mkdir("/tmp/jail"); os.chroot("/tmp/jail"); os.chdir("../../../../../../..")
os.chroot(".")
print("confined" if os.path.exists("/only-in-this-overlay") else "escaped")
'"""
    phase, _, log = run(runtime, script)
    assert (phase, log) == ("Succeeded", "confined\n")
