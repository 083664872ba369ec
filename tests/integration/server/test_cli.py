"""`wf server` as a command: a `wf server` process over a state directory, reached
over HTTP, starts the on-demand controller that runs what it stores; bad options exit 2
with one clear line; HTTPS with a certificate made here."""

from __future__ import annotations

import datetime
import ipaddress
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cli.main import app_from_env, cli
from tests.integration.controller.conftest import REPO, Embedded
from tests.integration.server.conftest import TOKEN, make_context
from tests.support.polling import poll
from workflow_engine.controller import embedded as embedded_mode
from workflow_engine.server.serve import BackgroundServer, Listen

HELLO = {
    "metadata": {"generateName": "cli-"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {"name": "main", "container": {"image": "alpine", "command": ["echo", "hi"]}}
        ],
    },
}


@pytest.fixture
def tokens(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"{TOKEN}\n")
    return path


@pytest.fixture
def server_process(state: Embedded, tokens: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "server",
            "--port",
            "0",
            "--auth-token-file",
            str(tokens),
        ],
        env={**os.environ, **state.env},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("wf server: API at http://127.0.0.1:"), line
    url = line.split(" API at ")[1].split("/api/v1")[0]
    assert line.strip().endswith(f"web UI at {url}/")
    yield url, process
    process.send_signal(signal.SIGTERM)
    process.wait(30)


def test_wf_server_stores_and_its_controller_runs(
    server_process: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = server_process
    headers = {"Authorization": f"Bearer {TOKEN}"}
    r = httpx.post(f"{url}/api/v1/workflows/default", json={"workflow": HELLO}, headers=headers)
    assert r.status_code == 200, r.text
    name = r.json()["metadata"]["name"]

    def finished() -> str | None:
        phase = httpx.get(f"{url}/api/v1/workflows/default/{name}", headers=headers).json()[
            "status"
        ]["phase"]
        return phase if phase in ("Succeeded", "Failed", "Error") else None

    assert poll(finished, timeout=120, what="the workflow", interval=0.2) == "Succeeded"


def test_sigterm_stops_the_server(server_process: tuple[str, subprocess.Popen[str]]) -> None:
    _, process = server_process
    process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert process.wait(30) in (0, -signal.SIGTERM)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "--auth-token-file, or --no-auth", id="no-auth-choice"),
        pytest.param(
            ["--no-auth", "--host", "0.0.0.0"],
            "--no-auth: refused on 0.0.0.0",
            id="no-auth-off-loopback",
        ),
        pytest.param(
            ["--no-auth", "--tls-cert", "{tokens}"],
            "--tls-cert and --tls-key go together",
            id="cert-without-key",
        ),
        pytest.param(
            ["--auth-token-file", "{bad}"],
            "bad-tokens:1: expected TOKEN [NAMESPACE,...]",
            id="bad-token-file",
        ),
        pytest.param(
            ["--auth-token-file", "{tokens}", "--webhook-secret-file", "{empty}"],
            "is empty",
            id="empty-secret",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(
    state: Embedded, tmp_path: Path, tokens: Path, args: list[str], message: str
) -> None:
    (tmp_path / "bad-tokens").write_text("a b c\n")
    (tmp_path / "empty").write_text("\n")
    files = {
        "tokens": str(tokens),
        "bad": str(tmp_path / "bad-tokens"),
        "empty": str(tmp_path / "empty"),
    }
    result = CliRunner().invoke(
        cli, ["server", *[a.format(**files) for a in args]], obj=app_from_env(state.env)
    )
    assert result.exit_code == 2, result.output
    assert message in result.output


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_with_a_certificate(state: Embedded, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    store = embedded_mode.open_store(state.paths)
    server = BackgroundServer(
        make_context(state, store), Listen(port=0, tls_cert=cert, tls_key=key)
    ).start()
    try:
        assert server.url.startswith("https://127.0.0.1:")
        r = httpx.get(
            f"{server.url}/api/v1/version",
            headers={"Authorization": f"Bearer {TOKEN}"},
            verify=str(cert),
        )
        assert r.json()["version"] == "test"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/api/v1/version")  # not trusted without the certificate
    finally:
        server.stop()
        store.close()
