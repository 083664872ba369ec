"""The container boundary around overlay pods: namespaces, users, capabilities, limits.

Real here: ProcessRuntime with the overlay sandbox entered by wf-sandbox (built by
scripts/setup.sh), as root, real processes, the kernel's namespaces and cgroups. Each
test first checks what the runtime's probe found; a layer is skipped only when the probe
says the kernel refuses it (and the probe is itself checked against `unshare(1)`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.contract.runtime_contract import log_text, pod, poll, sh, unique, wait_phase
from tests.support.processes import first_marked_pid, marker_env
from workflow_engine.errors import SpecError
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.runtime.process.isolation import describe_boundary, probe_namespaces
from workflow_engine.runtime.process.sandbox import find_helper
from workflow_engine.runtime.process.security import CAPABILITIES, DEFAULT_CAPABILITIES


@pytest.fixture
def runtime(boundary_runtimes: Any) -> ProcessRuntime:
    rt: ProcessRuntime = boundary_runtimes()
    assert rt.boundary.active, rt.boundary.describe()
    return rt


def needs(runtime: ProcessRuntime, namespace: str) -> None:
    if namespace not in runtime.boundary.namespaces:
        pytest.skip(f"the kernel refuses a {namespace} namespace here (probe: {runtime.boundary})")


def run(runtime: ProcessRuntime, script: str, **extra: Any) -> tuple[str, str, str]:
    """Run `script` in a pod; its phase, its main container's reason and its log."""
    name = unique("b")
    spec = extra.pop("pod", {})
    runtime.create_pod(pod(name, sh("main", script, **extra), activeDeadlineSeconds=60, **spec))
    seen = wait_phase(runtime, name)
    return seen.phase, seen.containers[0].reason, log_text(runtime, name)


def test_the_namespace_probe_agrees_with_unshare(runtime: ProcessRuntime) -> None:
    helper = find_helper()
    assert helper is not None and shutil.which("unshare") is not None
    flags = {"pid": ["-p", "-m", "--mount-proc"], "uts": ["-u"], "ipc": ["-i"], "net": ["-n"]}
    expected = {
        ns
        for ns, args in flags.items()
        if subprocess.run(["unshare", *args, "--fork", "true"], check=False).returncode == 0
    }
    assert probe_namespaces(helper) - {"user", "seccomp"} == expected
    assert runtime.boundary.namespaces - {"user"} == expected
    for ns in ("pid", "uts", "ipc"):
        assert (f"{ns} namespace" in runtime.boundary.describe()) == (ns in expected)


def test_wf_version_describes_what_a_runtime_builds_and_leaves_nothing(
    runtime: ProcessRuntime,
) -> None:
    assert describe_boundary("overlay") == runtime.boundary.describe()
    assert describe_boundary("plain") == "none: needs root and the overlay sandbox"
    cgroups = runtime.boundary.cgroups
    for parent in (cgroups.memory, cgroups.cpu) if cgroups is not None else ():
        if parent is not None:
            assert not list(parent.parent.glob("wf-probe-*"))


def test_a_pod_sees_only_its_own_processes(runtime: ProcessRuntime) -> None:
    needs(runtime, "pid")
    me = os.getpid()
    script = (
        "ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '; echo;"
        f" kill -0 {me} 2>/dev/null && echo signalled || echo no-such-process;"
        f" ls /proc/{me}/root >/dev/null 2>&1 && echo reached || echo unreachable"
    )
    phase, _, log = run(runtime, script)
    assert phase == "Succeeded", log
    pids, signal_result, root_result = log.splitlines()
    assert {int(p) for p in pids.split()} <= set(range(1, 8))  # init, sh, ls, ... only
    assert (signal_result, root_result) == ("no-such-process", "unreachable")


def test_orphans_are_reaped_by_the_pods_init(runtime: ProcessRuntime) -> None:
    needs(runtime, "pid")
    # the inner sh exits at once, leaving `sleep 0` to PID 1; a zombie would stay for
    # ever and the pod would run into its deadline
    script = (
        "sh -c 'sleep 0 & exit 0';"
        " while cat /proc/[0-9]*/stat 2>/dev/null | grep -q ') Z '; do sleep 0.01; done;"
        " echo reaped; exit 7"
    )
    phase, reason, log = run(runtime, script)
    assert (phase, reason, log) == ("Failed", "Error", "reaped\n")  # and its own exit code


def test_the_hostname_is_the_pods_name(runtime: ProcessRuntime) -> None:
    needs(runtime, "uts")
    name = unique("host")
    runtime.create_pod(pod(name, sh("main", "hostname")))
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert log_text(runtime, name) == f"{name}\n"
    assert os.uname().nodename != name


def _mask(names: set[str] | frozenset[str]) -> int:
    return sum(1 << CAPABILITIES.index(n) for n in names)


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        pytest.param({}, "0 0 " + f"{_mask(DEFAULT_CAPABILITIES):016x}", id="root-default-set"),
        pytest.param(
            {"runAsUser": 1000, "runAsGroup": 3000}, "1000 3000 " + "0" * 16, id="run-as-user"
        ),
        pytest.param(
            {"capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN"]}},
            "0 0 " + f"{_mask({'NET_ADMIN'}):016x}",
            id="drop-all-add-one",
        ),
    ],
)
def test_users_and_capabilities(
    runtime: ProcessRuntime, context: dict[str, Any], expected: str
) -> None:
    script = "echo $(id -u) $(id -g) $(grep CapEff /proc/self/status | cut -f2)"
    phase, _, log = run(runtime, script, securityContext=context)
    assert (phase, log) == ("Succeeded", expected + "\n")


def test_run_as_non_root_with_a_root_user_is_refused(runtime: ProcessRuntime) -> None:
    name = unique("nonroot")
    context = {"runAsNonRoot": True}
    runtime.create_pod(pod(name, sh("main", "echo ran"), securityContext=context))
    seen = wait_phase(runtime, name)
    main = seen.containers[0]
    assert (seen.phase, main.reason) == ("Failed", "CreateContainerConfigError")
    assert "runAsNonRoot and image will run as root" in main.message
    assert log_text(runtime, name) == ""  # nothing ran
    phase, _, log = run(runtime, "id -u", securityContext={"runAsNonRoot": True, "runAsUser": 7})
    assert (phase, log) == ("Succeeded", "7\n")


def test_the_host_dev_and_proc_knobs_are_out_of_reach(runtime: ProcessRuntime) -> None:
    disks = sorted(p.name for p in Path("/dev").iterdir() if p.is_block_device())
    assert disks, "a host with no block device cannot show this"
    script = (
        f"ls /dev/{disks[0]} 2>/dev/null && echo disk || echo no-disk; echo x > /dev/null;"
        " (echo 1 > /proc/sys/vm/drop_caches) 2>/dev/null && echo wrote || echo read-only"
    )
    phase, _, log = run(runtime, script)
    assert (phase, log) == ("Succeeded", "no-disk\nread-only\n")


def _interfaces(text: str) -> set[str]:
    return {line.split(":")[0].strip() for line in text.splitlines()[2:]}


def test_a_private_network_has_only_loopback_unless_host_network(boundary_runtimes: Any) -> None:
    runtime = boundary_runtimes(pod_network="private")
    needs(runtime, "net")
    assert "private network" in runtime.boundary.describe()
    phase, _, log = run(runtime, "cat /proc/net/dev")
    assert phase == "Succeeded" and _interfaces(log) == {"lo"}
    phase, _, log = run(runtime, "cat /proc/net/dev", pod={"hostNetwork": True})
    assert phase == "Succeeded"
    assert _interfaces(log) == _interfaces(Path("/proc/net/dev").read_text())


def test_the_default_network_is_the_hosts(runtime: ProcessRuntime) -> None:
    phase, _, log = run(runtime, "cat /proc/net/dev")
    assert phase == "Succeeded"
    assert _interfaces(log) == _interfaces(Path("/proc/net/dev").read_text())


def needs_cgroups(runtime: ProcessRuntime, controller: str) -> Path:
    cgroups = runtime.boundary.cgroups
    parent = getattr(cgroups, controller) if cgroups is not None else None
    if parent is None:
        pytest.skip(f"no writable {controller} cgroup here (probe: {runtime.boundary})")
    return Path(parent)


def test_a_memory_limit_ends_an_allocating_process_as_oom_killed(
    runtime: ProcessRuntime,
) -> None:
    parent = needs_cgroups(runtime, "memory")
    script = "python3 -c 'x = bytearray(256 * 1024 * 1024); print(len(x))'"
    limits = {"limits": {"memory": "64Mi"}}
    name = unique("oom")
    runtime.create_pod(pod(name, sh("main", script, resources=limits)))
    seen = wait_phase(runtime, name)
    main = seen.containers[0]
    assert (seen.phase, main.exit_code, main.reason) == ("Failed", 137, "OOMKilled")
    poll(lambda: not [p for p in parent.iterdir() if p.is_dir()], what="its cgroup to go")
    phase, reason, _ = run(runtime, "python3 -c 'x = bytearray(1024)'", resources=limits)
    assert (phase, reason) == ("Succeeded", "Completed")


def test_a_cpu_limit_sets_the_cgroups_quota(runtime: ProcessRuntime, tmp_path: Path) -> None:
    needs_cgroups(runtime, "cpu")
    name, ready = unique("cpu"), tmp_path / "ready"
    container = sh(
        "main",
        f"touch {ready}; exec sleep 30",
        resources={"limits": {"cpu": "250m"}},
        env=marker_env(name),
    )
    runtime.create_pod(pod(name, container, host_dir=tmp_path))
    poll(ready.exists, what="the container to start")
    pid = poll(lambda: first_marked_pid(name), what="the container's process")
    assert runtime.boundary.cgroups is not None
    if runtime.boundary.cgroups.version == 2:
        path = Path(f"/proc/{pid}/cgroup").read_text().split("::", 1)[1].strip()
        assert Path(f"/sys/fs/cgroup{path}/cpu.max").read_text().split() == ["25000", "100000"]
    else:
        line = next(
            x
            for x in Path(f"/proc/{pid}/cgroup").read_text().splitlines()
            if ":cpu:" in x or ":cpu," in x
        )
        cg = Path(str(runtime.boundary.cgroups.cpu)) / line.rsplit("/", 1)[1]
        assert (cg / "cpu.cfs_quota_us").read_text().strip() == "25000"
        assert (cg / "cpu.cfs_period_us").read_text().strip() == "100000"
    runtime.delete_pod(name, grace_seconds=0)


def test_without_isolation_run_as_user_is_refused_and_limits_noted(boundary_runtimes: Any) -> None:
    runtime = boundary_runtimes(isolation="none")
    assert not runtime.boundary.active and "isolation='none'" in runtime.boundary.describe()
    phase, reason, log = run(runtime, "id -u", securityContext={"runAsUser": 1000})
    assert (phase, reason) == ("Failed", "ContainerCannotRun")
    phase, _, log = run(runtime, "echo ran", resources={"limits": {"memory": "1Gi"}})
    assert phase == "Succeeded"
    assert log.splitlines()[0].startswith("resources.limits not enforced")


@pytest.mark.parametrize(
    ("container", "path"),
    [
        (
            {"resources": {"limits": {"memory": "lots"}}},
            "spec.containers[0].resources.limits.memory",
        ),
        ({"securityContext": {"runAsUser": -5}}, "spec.containers[0].securityContext.runAsUser"),
    ],
)
def test_bad_limits_and_contexts_are_refused_before_anything_is_created(
    runtime: ProcessRuntime, container: dict[str, Any], path: str
) -> None:
    with pytest.raises(SpecError) as e:
        runtime.create_pod(pod(unique("bad"), sh("main", "true", **container)))
    assert e.value.path == path
    assert runtime.observe() == []
