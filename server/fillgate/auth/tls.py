"""TLS and mutual TLS: server credentials, and the identity in a client certificate.

The identity of an mTLS caller is its certificate's first URI subject
alternative name (``spiffe://fillgate/strategy/alpha``), else its subject's
common name. Parsed with ``cryptography`` (installed with the venue SDKs) and
remembered per certificate, so a connection's calls parse it once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.x509.oid import NameOID


class TlsError(ValueError):
    """A certificate or key file cannot be read (the message names the file, not its content)."""


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TlsError(f"{what} {path}: cannot read ({exc.strerror})") from None


def server_credentials(cert: str, key: str, client_ca: str = "") -> grpc.ServerCredentials:
    """TLS with this certificate chain and key; with ``client_ca``, clients must present a
    certificate it signed (mutual TLS)."""
    chain = _read(cert, "auth.tls_cert")
    private = _read(key, "auth.tls_key")
    if client_ca:
        return grpc.ssl_server_credentials(
            [(private, chain)],
            root_certificates=_read(client_ca, "auth.tls_client_ca"),
            require_client_auth=True,
        )
    return grpc.ssl_server_credentials([(private, chain)])


@lru_cache(maxsize=1024)
def identity_of(pem: bytes) -> str | None:
    """The certificate's first URI SAN, else its CN; None when it has neither."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        return None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        uris = san.value.get_values_for_type(x509.UniformResourceIdentifier)
        if uris:
            return str(uris[0])
    except x509.ExtensionNotFound:
        pass
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None
