"""The guard's authentication on odd credentials (values the gRPC client will not even send)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fillgate.api.guard import Authenticator, FailureLimiter, peer_host
from fillgate.auth.tokens import TokenStore
from fillgate.domain.errors import Unauthenticated

NOW = 1_700_000_000_000_000_000


class FakeContext:
    def __init__(self, metadata: Any, peer: str = "ipv4:10.0.0.1:5555") -> None:
        self._metadata = metadata
        self._peer = peer

    def invocation_metadata(self) -> Any:
        return self._metadata

    def peer(self) -> str:
        return self._peer


def authenticator(tmp_path: Path) -> tuple[Authenticator, str]:
    store = TokenStore(tmp_path / "t.json")
    token, _ = store.create(name="a", scopes=["admin"], now_ns=NOW)
    auth = Authenticator(
        tokens=store, identities=None, now_ns=lambda: NOW, limiter=FailureLimiter(1000, 10)
    )
    return auth, token


@pytest.mark.parametrize(
    "value",
    [
        "Bearer fgt_é_x",
        "Bearer \udcff",
        "Bearer fgt_0123456789ab_\u00e9\u00e9\u00e9",
        b"Bearer fgt_bytes",
        None,
        "Bearer " + "\u4e2d" * 5000,
        "Bearer fgi_\u00e9",
    ],
)
def test_authenticate_non_ascii_or_non_text_unauthenticated(tmp_path: Path, value: Any) -> None:
    auth, _ = authenticator(tmp_path)
    result = auth.authenticate(FakeContext((("authorization", value),)), "/x/Y")
    assert isinstance(result, Unauthenticated)


def test_authenticate_no_metadata_missing_credentials(tmp_path: Path) -> None:
    auth, _ = authenticator(tmp_path)
    result = auth.authenticate(FakeContext(None), "/x/Y")
    assert isinstance(result, Unauthenticated) and result.reason == "MISSING_CREDENTIALS"


def test_authenticate_valid_token_any_case_scheme_principal(tmp_path: Path) -> None:
    auth, token = authenticator(tmp_path)
    result = auth.authenticate(FakeContext((("authorization", f"bEaReR {token}"),)), "/x/Y")
    assert not isinstance(result, Exception) and result.name == "a"


@pytest.mark.parametrize(
    ("peer", "host"),
    [("ipv4:127.0.0.1:5555", "ipv4:127.0.0.1"), ("ipv6:[::1]:80", "ipv6:[::1]"), ("", "")],
)
def test_peer_host_drops_port(peer: str, host: str) -> None:
    assert peer_host(FakeContext((), peer)) == host
