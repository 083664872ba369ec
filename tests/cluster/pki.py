"""Certificates and keys for the test control plane (tests/cluster).

Sits before process start-up: `make_pki(dir)` writes every file the control plane
needs (cluster CA, API server serving cert, service-account signing pair, client
certs for the admin, controller-manager, scheduler and the API server's kubelet
client, and the front-proxy CA and client for aggregation) and returns their paths.
EC P-256 keys keep generation to a few milliseconds.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=365)
_SERVER_DNS = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)


@dataclass(frozen=True)
class CertPair:
    """A certificate and its private key, both PEM files."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    """Paths of every certificate and key the control plane uses."""

    ca: CertPair
    apiserver: CertPair
    service_account_key: Path
    service_account_pub: Path
    admin: CertPair
    controller_manager: CertPair
    scheduler: CertPair
    kubelet_client: CertPair
    front_proxy_ca: CertPair
    front_proxy_client: CertPair


@dataclass(frozen=True)
class _Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attrs)


def _builder(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey):
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
    )


def _new_ca(common_name: str) -> _Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    cert = (
        _builder(name, name, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return _Issued(cert, key)


def _issue(
    ca: _Issued,
    subject: x509.Name,
    *,
    server: bool,
    dns: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
) -> _Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        _builder(subject, ca.cert.subject, key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if dns or ips:
        names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
        names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return _Issued(builder.sign(ca.key, hashes.SHA256()), key)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(directory: Path, stem: str, issued: _Issued) -> CertPair:
    pair = CertPair(directory / f"{stem}.crt", directory / f"{stem}.key")
    pair.cert.write_bytes(issued.cert.public_bytes(serialization.Encoding.PEM))
    pair.key.write_bytes(_key_pem(issued.key))
    pair.key.chmod(0o600)
    return pair


def make_pki(directory: Path, service_ip: str) -> Pki:
    """Write a fresh PKI for one cluster into `directory` and return the paths.

    `service_ip` is the first address of the service range (the `kubernetes`
    Service's cluster IP), which in-cluster clients use to reach the API server.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ca = _new_ca("wf-test-cluster-ca")
    front_ca = _new_ca("wf-test-front-proxy-ca")
    apiserver = _issue(
        ca, _name("kube-apiserver"), server=True, dns=_SERVER_DNS, ips=("127.0.0.1", service_ip)
    )
    sa_key = ec.generate_private_key(ec.SECP256R1())
    sa_key_path, sa_pub_path = directory / "sa.key", directory / "sa.pub"
    sa_key_path.write_bytes(_key_pem(sa_key))
    sa_key_path.chmod(0o600)
    sa_pub_path.write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )

    def client(cn: str, org: str | None = None, issuer: _Issued = ca) -> _Issued:
        return _issue(issuer, _name(cn, org), server=False)

    return Pki(
        ca=_write(directory, "ca", ca),
        apiserver=_write(directory, "apiserver", apiserver),
        service_account_key=sa_key_path,
        service_account_pub=sa_pub_path,
        admin=_write(directory, "admin", client("wf-admin", "system:masters")),
        controller_manager=_write(
            directory, "controller-manager", client("system:kube-controller-manager")
        ),
        scheduler=_write(directory, "scheduler", client("system:kube-scheduler")),
        kubelet_client=_write(
            directory,
            "apiserver-kubelet-client",
            client("kube-apiserver-kubelet-client", "system:masters"),
        ),
        front_proxy_ca=_write(directory, "front-proxy-ca", front_ca),
        front_proxy_client=_write(
            directory, "front-proxy-client", client("front-proxy-client", issuer=front_ca)
        ),
    )


def issue_client_cert(pki: Pki, directory: Path, stem: str, cn: str, org: str | None) -> CertPair:
    """Issue one more client certificate from the cluster CA of `pki` (e.g. a node's
    `system:node:NAME` in `system:nodes`) and write it as `directory/stem.{crt,key}`."""
    ca_key = serialization.load_pem_private_key(pki.ca.key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError("the cluster CA key is not an EC key")
    ca = _Issued(x509.load_pem_x509_certificate(pki.ca.cert.read_bytes()), ca_key)
    return _write(directory, stem, _issue(ca, _name(cn, org), server=False))
