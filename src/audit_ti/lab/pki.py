"""Keys and certificates of the lab, generated at every start into the state folder (never committed).

Each profile gets what a real gateway of that kind would carry: the hardened one a certificate
from the lab's own authority, the medium one an expired self-signed certificate and a 1024-bit
RSA host key. The IPv6 gateway, hardened too, has its own certificate and host key. The scale
fleet shares one SSH host key, as gateways cloned from one image do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from audit_ti.lab.folder import StateFolder
from audit_ti.lab.layout import IPAddress, LabGateway, LabLayout, Profile

__all__ = ["Material", "generate_material"]

_PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True)
class Material:
    """Where each key and certificate lives in the state folder."""

    ca_certificate: Path
    ca_key: Path
    hardened_tls_chain: Path
    hardened_tls_key: Path
    medium_tls_certificate: Path
    medium_tls_key: Path
    medium_ssh_host_key: Path
    hardened_ssh_host_key: Path
    scale_ssh_host_key: Path
    hardened_user_key: Path
    hardened_authorized_keys: Path
    ipv6_tls_chain: Path
    ipv6_tls_key: Path
    ipv6_ssh_host_key: Path
    ipv6_authorized_keys: Path

    def server_tls(self, gateway: LabGateway) -> tuple[Path, Path]:
        """Certificate chain and key of a hardened gateway (IPv4 or IPv6)."""
        if gateway.ipv6:
            return self.ipv6_tls_chain, self.ipv6_tls_key
        return self.hardened_tls_chain, self.hardened_tls_key

    @classmethod
    def at(cls, folder: StateFolder) -> Material:
        """The paths, without generating anything."""
        keys = folder.keys_dir
        return cls(
            ca_certificate=keys / "ac-laboratoire.crt",
            ca_key=keys / "ac-laboratoire.key",
            hardened_tls_chain=keys / "durcie-tls.crt",
            hardened_tls_key=keys / "durcie-tls.key",
            medium_tls_certificate=keys / "moyenne-tls.crt",
            medium_tls_key=keys / "moyenne-tls.key",
            medium_ssh_host_key=keys / "moyenne-ssh-hote-rsa",
            hardened_ssh_host_key=keys / "durcie-ssh-hote-ed25519",
            scale_ssh_host_key=keys / "echelle-ssh-hote-ed25519",
            hardened_user_key=keys / "utilisateur-durcie",
            hardened_authorized_keys=keys / "durcie-cles-autorisees",
            ipv6_tls_chain=keys / "ipv6-tls.crt",
            ipv6_tls_key=keys / "ipv6-tls.key",
            ipv6_ssh_host_key=keys / "ipv6-ssh-hote-ed25519",
            ipv6_authorized_keys=keys / "ipv6-cles-autorisees",
        )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Laboratoire audit-ti"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    # sshd refuses host keys that others can read; the same rule suits every private key here.
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(data)


def _pem_key(key: _PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _openssh_key(key: _PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )


def _pem_certificate(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _server_certificate(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    signing_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    address: IPAddress,
    dns_name: str,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name), x509.IPAddress(address)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(signing_key, hashes.SHA256())
    )


def generate_material(layout: LabLayout, folder: StateFolder, now: datetime | None = None) -> Material:
    """Generate every key and certificate of the lab (replacing those of a previous start)."""
    now = now or datetime.now(UTC)
    material = Material.at(folder)
    hardened = layout.reference(Profile.HARDENED)
    medium = layout.reference(Profile.MEDIUM)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Autorité de certification du laboratoire audit-ti")
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
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
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(material.ca_key, _pem_key(ca_key))
    material.ca_certificate.write_bytes(_pem_certificate(ca_certificate))

    # Hardened: ECDSA key, one year of validity (well under ANSSI's three), chain up to the lab CA.
    # The IPv6 gateway gets its own: two gateways never share a key.
    for gateway in (hardened, layout.ipv6_gateway):
        if gateway is None:
            continue
        chain, key_path = material.server_tls(gateway)
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = _server_certificate(
            subject=_name(gateway.name),
            issuer=ca_name,
            public_key=key.public_key(),
            signing_key=ca_key,
            address=gateway.address,
            dns_name=f"{gateway.name}.laboratoire.invalid",
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=365),
        )
        _write_private(key_path, _pem_key(key))
        chain.write_bytes(_pem_certificate(certificate) + _pem_certificate(ca_certificate))

    # Medium: self-signed and expired for a year, as on a concentrator installed and forgotten.
    medium_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    medium_name = _name(medium.name)
    medium_certificate = _server_certificate(
        subject=medium_name,
        issuer=medium_name,
        public_key=medium_key.public_key(),
        signing_key=medium_key,
        address=medium.address,
        dns_name=f"{medium.name}.laboratoire.invalid",
        not_before=now - timedelta(days=3 * 365),
        not_after=now - timedelta(days=365),
    )
    _write_private(material.medium_tls_key, _pem_key(medium_key))
    material.medium_tls_certificate.write_bytes(_pem_certificate(medium_certificate))

    _write_private(
        material.medium_ssh_host_key,
        _openssh_key(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
    )
    _write_private(material.hardened_ssh_host_key, _openssh_key(ed25519.Ed25519PrivateKey.generate()))
    if layout.ipv6_gateway is not None:
        _write_private(material.ipv6_ssh_host_key, _openssh_key(ed25519.Ed25519PrivateKey.generate()))
    _write_private(material.scale_ssh_host_key, _openssh_key(ed25519.Ed25519PrivateKey.generate()))

    user_key = ed25519.Ed25519PrivateKey.generate()
    _write_private(material.hardened_user_key, _openssh_key(user_key))
    public = user_key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    material.hardened_user_key.with_suffix(".pub").write_bytes(public + b" laboratoire-audit-ti\n")
    # The key opens no shell: sshd runs this forced command and closes the session. (No quote
    # in the text: the shell that runs the command reads it between single quotes.)
    for gateway, authorized_keys in (
        (hardened, material.hardened_authorized_keys),
        (layout.ipv6_gateway, material.ipv6_authorized_keys),
    ):
        if gateway is None:
            continue
        banner = f"{gateway.name} : session de laboratoire, aucun shell ouvert."
        authorized_keys.write_text(
            f"restrict,command=\"echo '{banner}'\" {public.decode()} laboratoire-audit-ti\n", encoding="utf-8"
        )
    return material
