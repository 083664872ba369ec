"""Prometheus metrics of the embedded controller: `python -m workflow_engine.controller
--metrics-address` serves /metrics; after a workflow with a succeeding and a failing
step, the scrape counts it by phase, its pods, its nodes' durations by phase, and the
reconciles. Real: the controller process, the CLI process, pods as local processes,
an HTTP scrape over loopback."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.controller.conftest import REPO, Embedded, data
from tests.support.polling import poll

pytestmark = pytest.mark.integration


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _with_failed_node(
    scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float],
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
    # The status write comes before the decision's actions (where nodes are timed):
    # a scrape between the two sees the workflow done and its last node not yet.
    done = scraped.get(("wf_workflows", (("phase", "Failed"),))) == 1
    timed = ("wf_node_duration_seconds_count", (("phase", "Failed"),)) in scraped
    return scraped if done and timed else None


def test_a_scrape_counts_workflows_pods_nodes_and_reconciles(
    state: Embedded, tmp_path: Path
) -> None:
    log = tmp_path / "controller.log"
    with log.open("wb") as out:
        controller = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workflow_engine.controller",
                "--state-dir",
                str(state.home),
                "--metrics-port",
                "0",
            ],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        found = poll(
            lambda: re.search(r"metrics on 127\.0\.0\.1:(\d+)", log.read_text()),
            timeout=60,
            what="the metrics address in the controller's log",
        )
        port = int(found.group(1))
        before = _scrape(port)
        assert not [k for k in before if k[0] == "wf_workflows"]  # phases held only
        assert before[("wf_pods_created_total", ())] == 0

        submit = state.wf_process("submit", data("embedded", "failing-step.yaml"), "--wait")
        out, err = submit.communicate(timeout=300)
        assert submit.returncode == 1, (out, err)

        after = poll(
            lambda: _with_failed_node(_scrape(port)),
            timeout=30,
            what="the failed workflow and its failed node in the scrape",
        )
        assert [k for k in after if k[0] == "wf_workflows"] == [
            ("wf_workflows", (("phase", "Failed"),))
        ]
        assert after[("wf_pods_created_total", ())] == 2
        assert after[("wf_node_duration_seconds_count", (("phase", "Succeeded"),))] == 1
        assert after[("wf_node_duration_seconds_count", (("phase", "Failed"),))] == 1
        assert after[("wf_reconcile_duration_seconds_count", ())] >= 3
        assert not [k for k in after if k[0] == "wf_reconcile_errors_total"]
        assert after[("wf_queue_depth", ())] == 0
        assert after[("wf_leader", ())] == 1
    finally:
        controller.terminate()
        controller.wait(60)
