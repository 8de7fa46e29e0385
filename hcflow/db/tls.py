"""Throw-away mutual-TLS certificates for provisioning the local server.

SecantusDB creates users only on a server running without ``--auth``. That
server is started with ``--tls-require-client-cert`` and a CA made here for
this one start: only a client holding the client key (written to a 0700
folder of the data directory, deleted afterwards) completes the handshake,
so no other local process can send it a command, not even for a second.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProvisionCerts:
    """PEM files of one provisioning start (key and certificate in one file)."""

    ca: Path
    server: Path
    client: Path

    def server_args(self) -> list[str]:
        """secantusd-py flags: TLS on, a client certificate required."""
        return [
            "--tls-cert-file", str(self.server), "--tls-key-file", str(self.server),
            "--tls-ca-file", str(self.ca), "--tls-require-client-cert",
        ]  # fmt: skip

    def client_kwargs(self) -> dict:
        """pymongo MongoClient keyword arguments for the one trusted client."""
        return {
            "tls": True,
            "tlsCAFile": str(self.ca),
            "tlsCertificateKeyFile": str(self.client),
        }


def make_provision_certs(folder: Path, hours: float = 1.0) -> ProvisionCerts:
    """A CA and a server and a client certificate under ``folder`` (0700 / 0600)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    now = dt.datetime.now(dt.UTC)

    def name(cn: str):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def builder(subject: str, issuer, key):
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=hours))
        )

    def write(path: Path, data: bytes) -> Path:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return path

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        builder("hcflow-provision-ca", name("hcflow-provision-ca"), ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = {"ca": write(folder / "ca.pem", ca.public_bytes(pem))}
    for role in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        b = builder(f"hcflow-{role}", ca.subject, key)
        if role == "server":
            alt = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            alt.append(x509.DNSName("localhost"))
            b = b.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        cert = b.sign(ca_key, hashes.SHA256())
        key_pem = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        paths[role] = write(folder / f"{role}.pem", key_pem + cert.public_bytes(pem))
    return ProvisionCerts(**paths)
