"""Finding where pod cgroups go: the probe over a /proc and a cgroup tree made of files.

Real here: the probe reads mountinfo and /proc/self/cgroup files and makes directories
in a temporary tree laid out as the kernel lays out cgroupfs (no kernel cgroups).
"""

from __future__ import annotations

from pathlib import Path

from workflow_engine.runtime.process.cgroups import (
    cgroup_name,
    parse_mountinfo,
    parse_self_cgroup,
    probe_cgroups,
)


def fake_proc(tmp_path: Path, mountinfo: str, cgroup: str) -> Path:
    proc = tmp_path / "proc" / "self"
    proc.mkdir(parents=True)
    (proc / "mountinfo").write_text(mountinfo)
    (proc / "cgroup").write_text(cgroup)
    return tmp_path / "proc"


def test_parsing() -> None:
    info = (
        "30 25 0:26 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
        "31 25 0:27 /sub /mnt/u rw - cgroup2 cgroup2 rw\n"
        "32 25 0:28 / / rw - ext4 /dev/vda rw\n"
    )
    mounts = parse_mountinfo(info)
    assert [(m.root, m.point, m.fstype, m.options) for m in mounts] == [
        ("/", "/sys/fs/cgroup/memory", "cgroup", frozenset({"rw", "memory"})),
        ("/sub", "/mnt/u", "cgroup2", frozenset({"rw"})),
    ]
    own = parse_self_cgroup("4:memory:/a/b\n1:cpu,cpuacct:/\n0::/c\n")
    assert own == {"memory": "/a/b", "cpu": "/", "cpuacct": "/", "": "/c"}


def test_v2_with_memory_and_cpu_is_used_below_the_own_cgroup(tmp_path: Path) -> None:
    root = tmp_path / "cg"
    own = root / "svc"
    own.mkdir(parents=True)
    (own / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    info = f"40 1 0:30 / {root} rw - cgroup2 cgroup2 rw\n"
    found = probe_cgroups("wf-x", fake_proc(tmp_path, info, "0::/svc\n"))
    assert not isinstance(found, str)
    assert (found.version, found.memory, found.cpu) == (2, own / "wf-x", own / "wf-x")
    assert (own / "cgroup.subtree_control").read_text() == "+memory +cpu"
    assert (own / "wf-x" / "cgroup.subtree_control").read_text() == "+memory +cpu"


def test_v1_hierarchies_when_v2_lacks_the_controllers(tmp_path: Path) -> None:
    mem, cpu, unified = tmp_path / "memory", tmp_path / "cpu", tmp_path / "unified"
    for d in (mem / "api" / "me", cpu, unified):
        d.mkdir(parents=True)
    (unified / "cgroup.controllers").write_text("hugetlb\n")
    info = (
        f"1 0 0:1 / {mem} rw - cgroup cgroup rw,memory\n"
        f"2 0 0:2 / {cpu} rw - cgroup cgroup rw,cpu\n"
        f"3 0 0:3 / {unified} rw - cgroup2 cgroup2 rw\n"
    )
    found = probe_cgroups("wf-y", fake_proc(tmp_path, info, "4:memory:/api/me\n1:cpu:/\n0::/\n"))
    assert not isinstance(found, str)
    assert (found.version, found.memory, found.cpu) == (1, mem / "api/me/wf-y", cpu / "wf-y")
    assert not found.memory.exists() and not found.cpu.exists()  # made on first use
    procs = found.create("ns/pod/1/main", 1 << 20, 500)
    assert procs == (
        str(found.memory / cgroup_name("ns/pod/1/main") / "cgroup.procs"),
        str(found.cpu / cgroup_name("ns/pod/1/main") / "cgroup.procs"),
    )
    assert (found.memory / cgroup_name("ns/pod/1/main") / "memory.limit_in_bytes").read_text() == (
        str(1 << 20)
    )
    assert (found.cpu / cgroup_name("ns/pod/1/main") / "cpu.cfs_quota_us").read_text() == "50000"


def test_no_cgroups_gives_the_reasons(tmp_path: Path) -> None:
    found = probe_cgroups("wf-z", fake_proc(tmp_path, "", "0::/\n"))
    assert found == "no cgroup v2 hierarchy; no writable cgroup v1 memory or cpu hierarchy"
