"""A real Kubernetes control plane on loopback for tests (tests/cluster).

The top of tests/cluster: `build()` runs scripts/build-cluster.sh (etcd and the
Kubernetes control-plane binaries from the Go module in tests/cluster/build, cached
per machine), and `ControlPlane` starts etcd, kube-apiserver,
kube-controller-manager and kube-scheduler on free 127.0.0.1 ports with all state
in one work directory, waits until they are ready, and stops exactly those
processes. There is no node: pods are created and scheduled against zero nodes
until a node agent registers.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.cluster.pki import CertPair, Pki, issue_client_cert, make_pki
from tests.cluster.procs import (
    ClusterError,
    Proc,
    free_ports,
    start_process,
    stop_process,
    url_ok,
    wait_until,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build-cluster.sh"
SERVICE_CIDR = "10.0.0.0/24"
SERVICE_IP = "10.0.0.1"  # first address of SERVICE_CIDR: the `kubernetes` Service


def build(*, quiet: bool = False) -> Path:
    """Build the control-plane binaries if needed; return their bin directory."""
    result = subprocess.run(
        [str(BUILD_SCRIPT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        text=True,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise ClusterError(f"{BUILD_SCRIPT} failed with code {result.returncode}")
    return Path(lines[-1])


@dataclass(frozen=True)
class Ports:
    etcd_client: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int


def _kubeconfig(server: str, ca: Path, client: CertPair, user: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "wf-test", "cluster": {"server": server, "certificate-authority": str(ca)}}
        ],
        "users": [
            {
                "name": user,
                "user": {"client-certificate": str(client.cert), "client-key": str(client.key)},
            }
        ],
        "contexts": [{"name": "wf-test", "context": {"cluster": "wf-test", "user": user}}],
        "current-context": "wf-test",
    }


class ControlPlane:
    """etcd + kube-apiserver + kube-controller-manager + kube-scheduler.

    Use as a context manager, or call start() and stop(). `work_dir` holds the
    PKI, kubeconfigs, etcd data and one log per process; a temporary one is made
    (and removed by stop()) when none is given.
    """

    def __init__(self, bin_dir: Path, work_dir: Path | None = None, kubectl: str | None = None):
        self.bin_dir = bin_dir
        self._own_dir = work_dir is None
        self.work_dir = work_dir or Path(tempfile.mkdtemp(prefix="wf-cluster-"))
        self.kubectl_path = kubectl or shutil.which("kubectl") or str(bin_dir / "kubectl")
        p = free_ports(5)
        self.ports = Ports(p[0], p[1], p[2], p[3], p[4])
        self.server = f"https://127.0.0.1:{self.ports.apiserver}"
        self.kubeconfig = self.work_dir / "admin.kubeconfig"
        self.ready_seconds: float | None = None
        self._procs: list[Proc] = []  # running, in start order
        self._logs: dict[str, Path] = {}
        self._pki: Pki | None = None

    # --- lifecycle -------------------------------------------------------------

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 90.0) -> ControlPlane:
        """Start every component and wait until all are healthy."""
        began = time.monotonic()
        try:
            self._start(timeout)
        except ClusterError as err:
            tails = "".join(f"\n--- {p.name} ---\n{p.log_tail()}" for p in self._procs)
            self.stop()
            raise ClusterError(f"{err}{tails}") from err
        except BaseException:
            self.stop()
            raise
        self.ready_seconds = time.monotonic() - began
        return self

    def _start(self, timeout: float) -> None:
        for sub in ("pki", "logs", "kcm"):  # etcd makes its own data dir, mode 0700
            (self.work_dir / sub).mkdir(parents=True, exist_ok=True)
        pki = self._pki = make_pki(self.work_dir / "pki", SERVICE_IP)
        self._write_kubeconfigs(pki)
        deadline = time.monotonic() + timeout

        etcd = self._spawn("etcd", self._etcd_args())
        wait_until(
            "etcd /health",
            url_ok(
                etcd,
                f"http://127.0.0.1:{self.ports.etcd_client}/health",
                ssl.create_default_context(),
            ),
            deadline - time.monotonic(),
        )
        api = self._spawn("kube-apiserver", self._apiserver_args(pki))
        wait_until(
            "kube-apiserver /readyz",
            url_ok(api, f"{self.server}/readyz", self.ssl_context()),
            deadline - time.monotonic(),
        )
        kcm = self._spawn("kube-controller-manager", self._controller_manager_args(pki))
        sched = self._spawn("kube-scheduler", self._scheduler_args())
        insecure = ssl._create_unverified_context()  # self-signed serving certs on loopback
        for proc, port in ((kcm, self.ports.controller_manager), (sched, self.ports.scheduler)):
            wait_until(
                f"{proc.name} /healthz",
                url_ok(proc, f"https://127.0.0.1:{port}/healthz", insecure),
                deadline - time.monotonic(),
            )
        # Pods are refused until the controller-manager has made this account.
        wait_until(
            "the default ServiceAccount",
            lambda: self._exists(kcm, "/api/v1/namespaces/default/serviceaccounts/default"),
            deadline - time.monotonic(),
        )

    def _exists(self, proc: Proc, path: str) -> bool:
        proc.check_alive()
        try:
            return self.request("GET", path)[0] == 200
        except OSError:  # a dropped connection: ask again
            return False

    def stop(self) -> None:
        """Stop the processes this object started (last started first)."""
        while self._procs:
            stop_process(self._procs.pop())
        if self._own_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def _spawn(self, name: str, args: list[str]) -> Proc:
        proc = start_process(name, [str(self.bin_dir / name), *args], self.work_dir / "logs")
        self._procs.append(proc)
        self._logs[name] = proc.log
        return proc

    # --- configuration ---------------------------------------------------------

    def _write_kubeconfigs(self, pki: Pki) -> None:
        for path, pair, user in (
            (self.kubeconfig, pki.admin, "wf-admin"),
            (self.work_dir / "kcm.kubeconfig", pki.controller_manager, "kcm"),
            (self.work_dir / "scheduler.kubeconfig", pki.scheduler, "scheduler"),
        ):
            path.write_text(yaml.safe_dump(_kubeconfig(self.server, pki.ca.cert, pair, user)))

    def _etcd_args(self) -> list[str]:
        client = f"http://127.0.0.1:{self.ports.etcd_client}"
        peer = f"http://127.0.0.1:{self.ports.etcd_peer}"
        return [
            "--name=wf-test",
            f"--data-dir={self.work_dir / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=wf-test={peer}",
            "--unsafe-no-fsync",  # throwaway data: fsync only slows tests down
            "--log-level=warn",
        ]

    def _apiserver_args(self, pki: Pki) -> list[str]:
        return [
            f"--etcd-servers=http://127.0.0.1:{self.ports.etcd_client}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.ports.apiserver}",
            f"--cert-dir={self.work_dir / 'pki'}",
            f"--tls-cert-file={pki.apiserver.cert}",
            f"--tls-private-key-file={pki.apiserver.key}",
            f"--client-ca-file={pki.ca.cert}",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
            "--allow-privileged=true",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki.service_account_pub}",
            f"--service-account-signing-key-file={pki.service_account_key}",
            f"--kubelet-client-certificate={pki.kubelet_client.cert}",
            f"--kubelet-client-key={pki.kubelet_client.key}",
            f"--proxy-client-cert-file={pki.front_proxy_client.cert}",
            f"--proxy-client-key-file={pki.front_proxy_client.key}",
            f"--requestheader-client-ca-file={pki.front_proxy_ca.cert}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            # A loopback address may not be an Endpoints address, so the
            # `kubernetes` Service endpoint reconciler would only log errors.
            "--endpoint-reconciler-type=none",
            # Node agents (`wf node`) register 127.0.0.1 as InternalIP and no resolvable
            # host name; logs and exec go there.
            "--kubelet-preferred-address-types=InternalIP",
            "--profiling=false",
            "--v=1",
        ]

    def _controller_manager_args(self, pki: Pki) -> list[str]:
        kubeconfig = self.work_dir / "kcm.kubeconfig"
        return [
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={self.ports.controller_manager}",
            f"--cert-dir={self.work_dir / 'kcm'}",
            f"--service-account-private-key-file={pki.service_account_key}",
            f"--root-ca-file={pki.ca.cert}",
            f"--cluster-signing-cert-file={pki.ca.cert}",
            f"--cluster-signing-key-file={pki.ca.key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--use-service-account-credentials=true",
            "--controllers=*",
            "--leader-elect=false",  # one instance: skip the lease round-trips
            "--profiling=false",
            "--v=1",
        ]

    def _scheduler_args(self) -> list[str]:
        kubeconfig = self.work_dir / "scheduler.kubeconfig"
        return [
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={self.ports.scheduler}",
            "--leader-elect=false",
            "--profiling=false",
            "--v=1",
        ]

    # --- clients ---------------------------------------------------------------

    @property
    def ca_cert(self) -> Path:
        """The cluster CA certificate (PEM)."""
        if self._pki is None:
            raise ClusterError("the control plane has not been started")
        return self._pki.ca.cert

    def node_kubeconfig(self, node: str) -> Path:
        """A kubeconfig for a node agent: user `system:node:<node>` in `system:nodes`,
        as the Node authorizer and NodeRestriction expect."""
        if self._pki is None:
            raise ClusterError("the control plane has not been started")
        pair = issue_client_cert(
            self._pki, self.work_dir / "pki", f"node-{node}", f"system:node:{node}", "system:nodes"
        )
        path = self.work_dir / f"node-{node}.kubeconfig"
        path.write_text(yaml.safe_dump(_kubeconfig(self.server, self._pki.ca.cert, pair, node)))
        return path

    def ssl_context(self) -> ssl.SSLContext:
        """A TLS context that trusts the cluster CA and presents the admin cert."""
        if self._pki is None:
            raise ClusterError("the control plane has not been started")
        ctx = ssl.create_default_context(cafile=str(self._pki.ca.cert))
        ctx.load_cert_chain(str(self._pki.admin.cert), str(self._pki.admin.key))
        return ctx

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """Call the API server as the admin; return (status, decoded JSON or text)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.server}{path}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ssl_context(), timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        text = raw.decode(errors="replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this cluster; raise ClusterError on failure if `check`."""
        argv = [self.kubectl_path, f"--kubeconfig={self.kubeconfig}", *args]
        result = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise ClusterError(
                f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}"
            )
        return result

    def logs(self) -> dict[str, Path]:
        """The log file of each started component, by name (gone after stop()
        when the work directory was a temporary one)."""
        return dict(self._logs)
