"""`python -m tests.cluster up` (the developer command): prints a usable
`export KUBECONFIG=...`, serves until SIGINT, then stops every process it started
and removes its temporary directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster.cluster import REPO_ROOT, build
from tests.cluster.procs import wait_until

pytestmark = pytest.mark.cluster


def _processes_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if text in cmdline:
                pids.append(int(entry.name))
    return pids


def test_up_serves_until_interrupted_then_cleans_up(tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl") or str(build(quiet=True) / "kubectl")
    out = tmp_path / "up.out"
    with out.open("w") as sink:
        up = subprocess.Popen(
            [sys.executable, "-m", "tests.cluster", "up"],
            cwd=REPO_ROOT,
            stdout=sink,
            stderr=subprocess.DEVNULL,
        )
    try:
        wait_until("export line", lambda: "export KUBECONFIG=" in out.read_text(), 90.0)
        line = next(x for x in out.read_text().splitlines() if x.startswith("export "))
        kubeconfig = line.split("=", 1)[1]
        work_dir = str(Path(kubeconfig).parent)
        ready = subprocess.run(
            [kubectl, "get", "--raw", "/readyz"],
            env={**os.environ, "KUBECONFIG": kubeconfig},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ready.stdout == "ok"
        assert len(_processes_mentioning(work_dir)) == 4  # etcd, apiserver, kcm, scheduler
    finally:
        up.send_signal(signal.SIGINT)
        code = up.wait(timeout=60)
    assert code == 0
    assert _processes_mentioning(work_dir) == []
    assert not Path(work_dir).exists()
