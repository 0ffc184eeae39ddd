"""MarketDataService with authentication on (issues 12 and 14): who may see what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from auth_setup import auth_server

from fillgate.app import FillgateServer
from fillgate_client import AsyncFillgateClient, PermissionDeniedError


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[FillgateServer, object]]:
    running, tokens = await auth_server(tmp_path)
    try:
        yield running, tokens
    finally:
        await running.stop(grace=0.5)


def client(server: FillgateServer, token: str) -> AsyncFillgateClient:
    return AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10, token=token)


async def test_market_data_auth_accounts_listing_shows_only_readable_accounts(served):
    server, tokens = served
    async with client(server, tokens["reader"]) as reader:
        listed = await reader.get_accounts()
        quotes = await reader.get_quotes()
        with pytest.raises(PermissionDeniedError) as denied:
            await reader.get_accounts("paper")

    assert [a.account for a in listed] == ["alpha"]
    assert quotes.quotes  # any authenticated caller sees the prices
    assert denied.value.metadata["scope"] == "read:paper"
