"""`wf gitops verify` against a real HTTP server on loopback (stdlib, in a thread): an app
endpoint that answers its version, one that fails its first N requests, and a tiny
Prometheus query API whose answers the tests choose per query."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.fixtures.seaweedfs import free_ports
from tests.integration.gitops.conftest import Wf
from workflow_engine.gitops import HttpCheck, run_checks
from workflow_engine.gitops.verify import run_http


@dataclass
class Site:
    url: str = ""
    failures_left: int = 0
    queries: dict[str, Any] = field(default_factory=dict)  # query -> answer
    seen_queries: list[str] = field(default_factory=list)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _reply(self, status: int, body: str, kind: str = "text/plain") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            if parts.path == "/version":
                self._reply(200, "web version v2\n")
            elif parts.path == "/flaky":
                if site.failures_left > 0:
                    site.failures_left -= 1
                    self._reply(503, "busy")
                else:
                    self._reply(200, "ok")
            elif parts.path == "/api/v1/query":
                query = urllib.parse.parse_qs(parts.query)["query"][0]
                site.seen_queries.append(query)
                answer = site.queries.get(
                    query, {"status": "success", "data": {"resultType": "vector", "result": []}}
                )
                self._reply(200, json.dumps(answer), "application/json")
            else:
                self._reply(404, "not found")

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    found = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def vector(*values: float) -> dict[str, Any]:
    result = [{"metric": {"pod": f"p{i}"}, "value": [0, str(v)]} for i, v in enumerate(values)]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def test_http_checks_pass_on_status_and_body(site: Site, wf: Wf) -> None:
    done = wf("verify", "--http", f"{site.url}/version", "--body", r"version v2\b", "--tries", "3")
    assert done.exit_code == 0, done.output
    assert f"PASS  http {site.url}/version: 3/3 tries passed (need 3)" in done.output


@pytest.mark.parametrize(
    ("args", "detail"),
    [
        (["--http", "{url}/version", "--body", "v3"], "body does not match 'v3'"),
        (["--http", "{url}/missing"], "status 404, expected 200"),
        (["--http", "{url}/version", "--status", "204"], "status 200, expected 204"),
    ],
    ids=["body", "status-404", "expected-other-status"],
)
def test_http_checks_fail_the_gate_with_exit_1(
    site: Site, wf: Wf, args: list[str], detail: str
) -> None:
    done = wf("verify", *[a.format(url=site.url) for a in args])
    assert done.exit_code == 1, done.output
    assert detail in done.output and "verification failed: 1 of 1 checks" in done.output


def test_success_ratio_over_tries(site: Site) -> None:
    naps: list[float] = []
    site.failures_left = 1
    lenient = HttpCheck(f"{site.url}/flaky", tries=4, window=3.0, ratio=0.75)
    result = run_http(lenient, naps.append)
    assert result.passed and result.detail == "3/4 tries passed (need 3)"
    assert naps == [1.0, 1.0, 1.0]  # 4 tries spread over the 3 s window
    site.failures_left = 2
    strict = run_http(HttpCheck(f"{site.url}/flaky", tries=4, ratio=0.75), naps.append)
    assert not strict.passed
    assert strict.detail == "2/4 tries passed (need 3); last failure: status 503, expected 200"


def test_an_unreachable_endpoint_is_a_failed_gate(wf: Wf) -> None:
    done = wf("verify", "--http", f"http://127.0.0.1:{free_ports(1)[0]}/", "-o", "json")
    assert done.exit_code == 1
    report = json.loads(done.output.split("\nerror:")[0])
    assert report["passed"] is False
    assert report["checks"][0]["detail"].startswith(
        "0/1 tries passed (need 1); last failure: unreachable"
    )


def test_prometheus_thresholds(site: Site, wf: Wf) -> None:
    site.queries["error_rate"] = vector(0.01, 0.02)
    site.queries["latency_p99"] = {
        "status": "success",
        "data": {"resultType": "scalar", "result": [0, "0.9"]},
    }
    ok = wf(
        "verify",
        "--prometheus",
        site.url,
        "--query",
        "error_rate < 0.05",
        "--query",
        "latency_p99<=1",
    )
    assert ok.exit_code == 0, ok.output
    assert "PASS  prometheus error_rate < 0.05: values 0.01, 0.02" in ok.output
    assert site.seen_queries == ["error_rate", "latency_p99"]

    site.queries["error_rate"] = vector(0.01, 0.2)
    bad = wf("verify", "--prometheus", site.url, "--query", "error_rate < 0.05")
    assert bad.exit_code == 1 and "values 0.01, 0.2; 1 outside" in bad.output
    empty = wf("verify", "--prometheus", site.url, "--query", "absent_metric > 0")
    assert empty.exit_code == 1 and "no data" in empty.output


def test_http_and_prometheus_together_all_must_pass(site: Site) -> None:
    from workflow_engine.gitops import PromCheck

    site.queries["up"] = vector(1)
    checks = [HttpCheck(f"{site.url}/version"), PromCheck.parse(site.url, "up == 0")]
    report = run_checks(checks, lambda _: None)
    assert [r.passed for r in report.results] == [True, False] and not report.passed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give at least one check"),
        (["--http", "ftp://x/"], "--http: 'ftp://x/' is not an http(s) URL"),
        (
            ["--http", "http://127.0.0.1:1/", "--body", "("],
            "--body: '(' is not a regular expression",
        ),
        (["--http", "http://127.0.0.1:1/", "--tries", "0"], "--tries: at least 1"),
        (
            ["--http", "http://127.0.0.1:1/", "--success-ratio", "1.5"],
            "--success-ratio: a number in (0, 1]",
        ),
        (
            ["--http", "http://127.0.0.1:1/", "--window", "soon"],
            "--window: 'soon' is not a duration",
        ),
        (["--query", "up > 0"], "--query needs --prometheus URL"),
        (["--prometheus", "http://127.0.0.1:1", "--query", "up"], "write QUERY OP NUMBER"),
        (["--prometheus", "localhost:9090", "--query", "up > 0"], "--prometheus: 'localhost:9090'"),
    ],
    ids=["none", "scheme", "regex", "tries", "ratio", "window", "query-alone", "no-op", "prom-url"],
)
def test_bad_verify_input_exits_2(wf: Wf, args: list[str], message: str) -> None:
    done = wf("verify", *args)
    assert done.exit_code == 2, done.output
    assert message in done.output
