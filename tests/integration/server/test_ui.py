"""The web UI in a real browser: Debian's headless chromium driven by Playwright
(never a downloaded browser), against `wf server` over real HTTP on 127.0.0.1 with a
real embedded controller. The token dialog, the list with its phase filter, the graph
(node count and phase colours) updating live as a suspended workflow is resumed, the node
panel's logs and artifact download, submitting from a template's parameter form, the cron
list, and a stored 1,000-node graph drawn whole. Screenshots are kept as test artifacts:
in the directory $WF_UI_SCREENSHOTS names, else under the test's tmp dir (path printed)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.server.conftest import TOKEN, Served

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NS = "default"
SUCCEEDED_FILL = "rgb(24, 160, 88)"  # app.css .phase-Succeeded
RUNNING_FILL = "rgb(47, 91, 211)"  # app.css .phase-Running
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/setup.sh installs it)"
)

APPROVAL = {
    "metadata": {"name": "ui-approval", "labels": {"team": "ui"}},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "steps": [
                    [{"name": "build", "template": "build"}],
                    [{"name": "approve", "template": "approve"}],
                    [{"name": "release", "template": "release"}],
                ],
            },
            {
                "name": "build",
                "container": {
                    "image": "alpine",
                    "command": ["sh", "-c", "echo building now; echo the-bytes > /tmp/out.txt"],
                },
                "outputs": {"artifacts": [{"name": "report", "path": "/tmp/out.txt"}]},
            },
            {"name": "approve", "suspend": {}},
            {"name": "release", "container": {"image": "alpine", "command": ["echo", "released"]}},
        ],
    },
}
GREETING = {
    "kind": "WorkflowTemplate",
    "metadata": {"name": "greeting"},
    "spec": {
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "who", "value": "world"}]},
        "templates": [
            {
                "name": "main",
                "container": {
                    "image": "alpine",
                    "command": ["sh", "-c", "echo hello {{workflow.parameters.who}}"],
                },
            }
        ],
    },
}
CRON = {
    "kind": "CronWorkflow",
    "metadata": {"name": "nightly"},
    "spec": {"schedules": ["0 3 * * *"], "workflowSpec": GREETING["spec"]},
}


def post(served: Served, path: str, body: dict[str, Any]) -> None:
    r = httpx.post(served.url + path, json=body, headers=served.headers(), timeout=60)
    assert r.status_code == 200, r.text


def fill(page: Any, node: str) -> str:
    rect = page.locator(f'g[data-node="{node}"] rect')
    return str(rect.evaluate("r => getComputedStyle(r).fill"))


@pytest.fixture
def shot(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Any, str], Path]:
    """Saves a full-page screenshot; the directory is printed so a run can keep it."""
    where = os.environ.get("WF_UI_SCREENSHOTS")
    folder = Path(where) / request.node.name if where else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")

    def take(page: Any, label: str) -> Path:
        path = folder / f"{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path

    return take


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            accept_downloads=True,
        )
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_default_timeout(60_000)
        yield page
        context.close()
    assert errors == []


def test_the_web_ui(
    served: Served, page: Any, shot: Callable[[Any, str], Path], tmp_path: Path
) -> None:
    post(served, f"/api/v1/workflows/{NS}", {"workflow": APPROVAL})
    post(served, f"/api/v1/workflow-templates/{NS}", {"template": GREETING})
    post(served, f"/api/v1/cron-workflows/{NS}", {"cronWorkflow": CRON})

    page.goto(served.url + "/")
    page.locator("#token-input").fill(TOKEN)  # the API said 401: the dialog asks
    page.locator("#token-save").click()

    row = page.locator('tr[data-name="ui-approval"]')
    row.wait_for()
    page.locator("#phase-filter").select_option("Succeeded")
    row.wait_for(state="detached")
    page.locator("#phase-filter").select_option("Running")
    row.wait_for()
    assert "team=ui" in row.inner_text()
    shot(page, "1-list")

    row.click()
    page.locator('g[data-node="approve"][data-phase="Running"]').wait_for()
    assert fill(page, "approve") == RUNNING_FILL
    assert fill(page, "build") == SUCCEEDED_FILL
    shot(page, "2-suspended")
    page.locator('button[data-action="resume"]').click()
    # no reload: the server pushes every change of the graph
    page.locator('g[data-node="release"][data-phase="Succeeded"]').wait_for()
    page.locator("#summary .badge.phase-Succeeded").wait_for()
    # progress: finished pods (build, release) of all pods
    assert "progress 2/2" in page.locator("#summary").inner_text()
    assert fill(page, "release") == SUCCEEDED_FILL
    r = httpx.get(f"{served.url}/api/v1/workflows/{NS}/ui-approval", headers=served.headers())
    nodes = r.json()["status"]["nodes"]
    # the workflow, its three step groups, build, approve, release: one element each
    assert len(nodes) == 7
    assert page.locator("#graph-svg g[data-node]").count() == len(nodes)
    shot(page, "3-finished")

    page.locator('g[data-node="build"]').click()
    page.locator("#logs", has_text="building now").wait_for()
    shot(page, "4-logs")
    with page.expect_download() as caught:
        page.locator('button[data-artifact="report"]').click()
    target = tmp_path / "report"
    caught.value.save_as(target)
    assert target.read_text() == "the-bytes\n"

    page.locator('a[data-nav="templates"]').click()
    page.locator('tr[data-template="greeting"] button').click()
    page.locator('#submit-form input[name="who"]').fill("browser")
    page.locator('#submit-form button[type="submit"]').click()
    page.locator("#summary .badge.phase-Succeeded").wait_for()
    node = page.locator('g[data-phase="Succeeded"]').first
    node.click()
    page.locator("#result", has_text="hello browser").wait_for()

    page.locator('a[data-nav="cron"]').click()
    cron = page.locator('tr[data-cron="nightly"]')
    cron.wait_for()
    cron.locator("button", has_text="Suspend").click()
    cron.locator("button", has_text="Resume").wait_for()
    r = httpx.get(f"{served.url}/api/v1/cron-workflows/{NS}/nightly", headers=served.headers())
    assert r.json()["spec"]["suspend"] is True


def wide_status(count: int) -> dict[str, Any]:
    """A root and count-1 pods in layers of 100 (as bench/ui_paint.py stores)."""
    nodes: dict[str, Any] = {"big": {"id": "big", "name": "big", "type": "DAG"}}
    for i in range(count - 1):
        parent = "big" if i < 100 else f"big-{i - 100}"
        nodes[parent].setdefault("children", []).append(f"big-{i}")
        nodes[f"big-{i}"] = {"id": f"big-{i}", "name": f"big.t{i}", "type": "Pod"}
        nodes[f"big-{i}"]["phase"] = "Succeeded" if i % 2 else "Failed"
    return {"phase": "Running", "nodes": nodes}


def test_a_thousand_node_graph_is_drawn_whole(
    quiet: Served, page: Any, shot: Callable[[Any, str], Path]
) -> None:
    quiet.store.create(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": "big", "namespace": NS},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "suspend": {}}]},
            "status": wide_status(1000),
        }
    )
    page.add_init_script(f"localStorage.setItem('wf.token', '{TOKEN}')")
    page.goto(f"{quiet.url}/#/workflows/{NS}/big")
    page.wait_for_function(
        "document.querySelectorAll('#graph-svg g[data-node]').length >= 1000", timeout=120_000
    )
    assert page.locator("#graph-svg g[data-node]").count() == 1000
    assert page.locator('#graph-svg g[data-phase="Failed"]').count() == 500
    assert fill(page, "big.t1") == SUCCEEDED_FILL
    shot(page, "thousand-nodes")
