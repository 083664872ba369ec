"""workflow_engine.gitops.canary without a cluster: step parsing and replica split
(pure), and the two verifications against real processes (sh, a loopback HTTP server)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from workflow_engine.errors import SpecError
from workflow_engine.gitops.canary import command_check, http_check, parse_steps, split


@pytest.mark.parametrize(
    ("total", "weight", "expected"),
    [
        pytest.param(10, 20, (8, 2), id="20-of-10"),
        pytest.param(2, 20, (1, 1), id="at-least-one-canary"),
        pytest.param(3, 50, (1, 2), id="rounds-up"),
        pytest.param(4, 100, (0, 4), id="all"),
        pytest.param(4, 0, (4, 0), id="none"),
    ],
)
def test_split(total: int, weight: int, expected: tuple[int, int]) -> None:
    assert split(total, weight) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("20,50", "the last one 100", id="not-ending-at-100"),
        pytest.param("50,20,100", "larger than the one before", id="not-rising"),
        pytest.param("0,100", "(0, 100]", id="zero"),
        pytest.param("a,100", "comma-separated percentages", id="not-numbers"),
    ],
)
def test_bad_steps(text: str, reason: str) -> None:
    with pytest.raises(SpecError) as err:
        parse_steps(text)
    assert err.value.path == "--steps" and reason in err.value.reason


def test_default_steps() -> None:
    assert parse_steps("20,50,100") == (20, 50, 100)


def test_command_check_sees_the_weight() -> None:
    verify = command_check('test "$CANARY_WEIGHT" -lt 50 || { echo too high >&2; exit 3; }')
    assert verify(20) is None
    assert verify(50) == "verification command exited 3: too high"


class _Version(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 200 if self.path == "/ok" else 503
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"version 2")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _Version)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


def test_http_check(server: str) -> None:
    assert http_check(f"{server}/ok", "version 2")(20) is None
    assert http_check(f"{server}/ok", "version 3")(20) == (
        f"GET {server}/ok: answer does not contain 'version 3'"
    )
    assert http_check(f"{server}/down")(20) == f"GET {server}/down answered 503"
