"""`wf logs` on the cluster: the pods/log API, as embedded mode prints its log files.

What is real: see tests/cluster/kube_cli.py (the control plane, `wf node`, the
controller for one namespace, `wf --kubeconfig ... logs` through CliRunner).
"""

from __future__ import annotations

import pytest

from tests.cluster.kube_cli import KubeCli, kube_cli_fixture  # noqa: F401
from tests.cluster.workflows import DATA

pytestmark = pytest.mark.cluster


def test_logs_follow_every_pod_and_every_attempt_then_one_node(kube_cli: KubeCli) -> None:
    name = kube_cli.submit(str(DATA / "cli-logs.yaml"))

    followed = kube_cli.wf("logs", name, "-f")  # from its start to its end

    assert followed.exit_code == 0, followed.output
    assert followed.output.splitlines() == [
        "first: first line",
        "flaky(0): attempt 0",
        "flaky(1): attempt 1",
    ]
    assert kube_cli.workflow(name)["status"]["phase"] == "Succeeded"
    assert len(kube_cli.pods(name)) == 3  # one pod per attempt, each log its own

    again = kube_cli.wf("logs", name)
    assert again.exit_code == 0 and again.output == followed.output
    one = kube_cli.wf("logs", name, "flaky(1)", "--no-prefix")
    assert one.exit_code == 0 and one.output == "attempt 1\n"
    grepped = kube_cli.wf("logs", name, "--grep", "attempt [01]")
    assert grepped.output.splitlines() == ["flaky(0): attempt 0", "flaky(1): attempt 1"]
    prefix, stamp, *text = kube_cli.wf("logs", name, "first", "--timestamps").output.split()
    assert (prefix, text) == ("first:", ["first", "line"])
    assert stamp.startswith("20") and stamp.endswith("Z")  # the API server's RFC 3339 stamp
    assert kube_cli.wf("logs", name, "--since", "1h").output == followed.output
