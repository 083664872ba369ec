"""The web UI in a real browser: Debian's headless chromium driven by Playwright
(never a downloaded browser), against `wf server` over real HTTP on 127.0.0.1 with a
real embedded controller. The token dialog, the list with its phase filter, the graph
updating live as a suspended workflow is resumed, the node panel's logs and artifact
download, submitting from a template's parameter form, and the cron list."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture
def page(served: Served, tmp_path: Path) -> Iterator[Any]:
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


def test_the_web_ui(served: Served, page: Any, tmp_path: Path) -> None:
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

    row.click()
    page.locator('g[data-node="approve"][data-phase="Running"]').wait_for()
    page.locator('button[data-action="resume"]').click()
    # no reload: the server pushes every change of the graph
    page.locator('g[data-node="release"][data-phase="Succeeded"]').wait_for()
    page.locator("#summary .badge.phase-Succeeded").wait_for()
    # progress: finished pods (build, release) of all pods
    assert "progress 2/2" in page.locator("#summary").inner_text()

    page.locator('g[data-node="build"]').click()
    page.locator("#logs", has_text="building now").wait_for()
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
