"""Resolve the server address, channel options and credentials shared by both clients."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

DEFAULT_TARGET = "127.0.0.1:50051"
TARGET_ENV = "FILLGATE_TARGET"
_DEFAULT_CHANNEL_OPTIONS: Mapping[str, Any] = {"grpc.keepalive_time_ms": 20_000}


def resolve_target(target: str | None = None) -> str:
    """Return ``target``, else ``$FILLGATE_TARGET``, else ``127.0.0.1:50051``."""
    return target or os.environ.get(TARGET_ENV) or DEFAULT_TARGET


def merged_options(extra: Sequence[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    """Return the default channel options overridden by the caller's."""
    merged = dict(_DEFAULT_CHANNEL_OPTIONS)
    merged.update(extra or ())
    return list(merged.items())


TOKEN_ENV = "FILLGATE_TOKEN"
CA_ENV = "FILLGATE_CA"
CERT_ENV = "FILLGATE_CERT"
KEY_ENV = "FILLGATE_KEY"


@dataclass(frozen=True)
class Credentials:
    """How a client proves who it is: a bearer token, and/or TLS (with a client certificate).

    Each value falls back to its environment variable: ``FILLGATE_TOKEN``,
    ``FILLGATE_CA``, ``FILLGATE_CERT``, ``FILLGATE_KEY``. TLS is on when a CA or a
    client certificate is given.
    """

    token: str | None = field(default=None, repr=False)  # never shown
    ca: str | None = None
    cert: str | None = None
    key: str | None = None

    @classmethod
    def resolve(
        cls,
        token: str | None = None,
        ca: str | None = None,
        cert: str | None = None,
        key: str | None = None,
    ) -> Credentials:
        env = os.environ.get
        return cls(
            token=token or env(TOKEN_ENV) or None,
            ca=ca or env(CA_ENV) or None,
            cert=cert or env(CERT_ENV) or None,
            key=key or env(KEY_ENV) or None,
        )

    @property
    def metadata(self) -> tuple[tuple[str, str], ...] | None:
        """The call metadata carrying the token (None without one)."""
        return (("authorization", f"Bearer {self.token}"),) if self.token else None

    def channel_credentials(self) -> grpc.ChannelCredentials | None:
        """TLS credentials, or None for a plaintext channel."""
        if not (self.ca or self.cert):
            return None
        if bool(self.cert) != bool(self.key):
            raise ValueError("--cert and --key go together")
        return grpc.ssl_channel_credentials(
            root_certificates=_read(self.ca),
            private_key=_read(self.key),
            certificate_chain=_read(self.cert),
        )


def _read(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None
