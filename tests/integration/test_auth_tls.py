"""TLS and mutual TLS with certificates generated in the test (issue 14)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from auth_setup import QUIET_ADMISSION, write_tokens
from certs import Authority
from support import CONFIG

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import (
    AsyncFillgateClient,
    PermissionDeniedError,
    UnauthenticatedError,
    UnavailableError,
)

ALPHA = "spiffe://fillgate/strategy/alpha"


@dataclass
class Pki:
    ca: Authority
    server: tuple[Path, Path]
    alpha: tuple[Path, Path]
    by_cn: tuple[Path, Path]
    unknown: tuple[Path, Path]
    stranger: tuple[Path, Path]


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca = Authority(tmp_path)
    other = Authority(tmp_path, "another CA")
    return Pki(
        ca=ca,
        server=ca.issue("server", cn="fillgate", server=True),
        alpha=ca.issue("alpha", cn="alpha-client", uri=ALPHA),
        by_cn=ca.issue("ops", cn="ops-desk"),
        unknown=ca.issue("unknown", cn="nobody-configured"),
        stranger=other.issue("stranger", cn="ops-desk", uri=ALPHA),
    )


async def start(tmp_path: Path, pki: Pki, auth: dict[str, object], **server: object):  # type: ignore[no-untyped-def]
    cert, key = pki.server
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log")},
            "server": {**QUIET_ADMISSION, **server},
            "auth": {"tls_cert": str(cert), "tls_key": str(key), **auth},
        }
    )
    return await create_server(config, listen="127.0.0.1:0")


@pytest_asyncio.fixture
async def mtls(tmp_path: Path, pki: Pki) -> AsyncIterator[FillgateServer]:
    running = await start(
        tmp_path,
        pki,
        {
            "mode": "mtls",
            "tls_client_ca": str(pki.ca.pem),
            "principals": {
                ALPHA: {"scopes": ["trade:alpha"], "strategy_id": "alpha"},
                "ops-desk": {"scopes": ["admin"]},
            },
        },
    )
    try:
        yield running
    finally:
        await running.stop(grace=0.5)


def client(server: FillgateServer, pki: Pki, who: tuple[Path, Path] | None, **kw: object):  # type: ignore[no-untyped-def]
    cert, key = who if who is not None else (None, None)
    return AsyncFillgateClient(
        f"127.0.0.1:{server.port}",
        timeout=5,
        ca=str(pki.ca.pem),
        cert=str(cert) if cert else None,
        key=str(key) if key else None,
        **kw,  # type: ignore[arg-type]
    )


async def test_mtls_uri_san_is_the_principal_and_binds_strategy(mtls, pki) -> None:  # type: ignore[no-untyped-def]
    async with client(mtls, pki, pki.alpha) as alpha:
        result = await alpha.submit_order("alpha", "BTC-USD", "buy", "0.1")
        (report, *_) = await alpha.list_executions(order_id=result.order.order_id)
    assert result.order.strategy_id == "alpha"
    assert report.requested_by == ALPHA


async def test_mtls_uri_san_principal_lacks_other_account(mtls, pki) -> None:  # type: ignore[no-untyped-def]
    async with client(mtls, pki, pki.alpha) as alpha:
        with pytest.raises(PermissionDeniedError) as denied:
            await alpha.submit_order("paper", "BTC-USD", "buy", "0.1")
    assert denied.value.metadata["scope"] == "trade:paper"


async def test_mtls_common_name_identity_when_no_uri_san(mtls, pki) -> None:  # type: ignore[no-untyped-def]
    async with client(mtls, pki, pki.by_cn) as ops:
        info = await ops.set_reference_price("BTC-USD", "50100")
    assert info.reference_price == 50100


async def test_mtls_signed_but_unconfigured_identity_denied(mtls, pki) -> None:  # type: ignore[no-untyped-def]
    async with client(mtls, pki, pki.unknown) as nobody:
        with pytest.raises(PermissionDeniedError):
            await nobody.submit_order("alpha", "BTC-USD", "buy", "0.1")


async def test_mtls_client_without_certificate_refused(mtls, pki) -> None:  # type: ignore[no-untyped-def]
    async with client(mtls, pki, None) as anonymous:
        with pytest.raises(UnavailableError):
            await anonymous.list_symbols()


async def test_mtls_client_with_untrusted_certificate_refused(mtls, pki) -> None:  # type: ignore[no-untyped-def]
    async with client(mtls, pki, pki.stranger) as stranger:
        with pytest.raises(UnavailableError):
            await stranger.list_symbols()
    assert list(mtls.parts.engine.orders()) == []


async def test_mtls_plaintext_client_refused(mtls, pki) -> None:  # type: ignore[no-untyped-def]
    async with AsyncFillgateClient(f"127.0.0.1:{mtls.port}", timeout=5) as plain:
        with pytest.raises(UnavailableError):
            await plain.list_symbols()


async def test_tls_with_tokens_client_verifies_server_and_sends_token(tmp_path, pki) -> None:  # type: ignore[no-untyped-def]
    tokens = write_tokens(tmp_path / "tokens.json")
    server = await start(tmp_path, pki, {"mode": "token", "token_file": str(tokens.path)})
    try:
        async with client(server, pki, None, token=tokens["reader"]) as reader:
            assert await reader.list_symbols()
        async with client(server, pki, None) as anonymous:
            with pytest.raises(UnauthenticatedError):
                await anonymous.list_symbols()
    finally:
        await server.stop(grace=0.5)


async def test_mtls_admission_probe_reaches_server_on_local_port(tmp_path, pki) -> None:  # type: ignore[no-untyped-def]
    server = await start(
        tmp_path,
        pki,
        {"mode": "mtls", "tls_client_ca": str(pki.ca.pem)},
        admission_max_queue_delay_ms=200,
    )
    try:
        for _ in range(100):
            if server.admission.queue.last_s > 0:
                break
            await asyncio.sleep(0.02)
        assert server.admission.queue.last_s > 0
        assert server.security.authenticator.failures == 0
    finally:
        await server.stop(grace=0.5)
