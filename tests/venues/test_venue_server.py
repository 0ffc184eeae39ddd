"""A real fillgate server trading at a remote venue (the Binance fake through ccxt), over gRPC."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.binance import FakeBinance

from fillgate.app import FillgateServer, create_server
from fillgate.config import config_from_dict
from fillgate_client import AsyncFillgateClient, FailedPreconditionError, OrderState

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBinance]:
    venue = FakeBinance()
    await venue.start()
    for key, value in venue.environment().items():
        monkeypatch.setenv(key, value)
    yield venue
    await venue.stop()


def _config(fake: FakeBinance, journal: Path) -> Any:
    return config_from_dict(
        {
            "accounts": {"crypto": fake.account_table()},
            "symbols": {fake.symbol: fake.symbol_table},
            "journal": {"path": str(journal)},
        }
    )


async def _serve(fake: FakeBinance, journal: Path) -> FillgateServer:
    return await create_server(_config(fake, journal), listen="127.0.0.1:0")


async def _until_state(
    client: AsyncFillgateClient, order_id: str, state: OrderState, timeout: float = 8.0
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        order = await client.get_order(order_id)
        if order.state == state or time.monotonic() > deadline:
            return order
        await asyncio.sleep(0.05)


async def test_server_market_order_at_ccxt_venue_fills_and_moves_the_position(
    fake: FakeBinance, tmp_path: Path
) -> None:
    server = await _serve(fake, tmp_path / "j.log")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            result = await client.submit_order(
                "crypto", fake.symbol, "buy", fake.quantity, client_order_id="srv-1"
            )
            order = await _until_state(client, result.order.order_id, OrderState.FILLED)
            positions = await client.get_positions(["crypto"])
    finally:
        await server.stop(grace=0.5)

    assert order.state == OrderState.FILLED
    assert order.venue_order_id
    assert [o.client_id for o in fake.orders()] == ["srv-1"]
    holding = positions[0].positions[0]
    assert (holding.symbol, holding.quantity) == (fake.symbol, fake.quantity)


async def test_server_restart_applies_a_fill_that_happened_while_it_was_down(
    fake: FakeBinance, tmp_path: Path
) -> None:
    journal = tmp_path / "j.log"
    limit = Decimal("45000")
    server = await _serve(fake, journal)
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
        result = await client.submit_order(
            "crypto",
            fake.symbol,
            "buy",
            fake.quantity,
            type="limit",
            limit_price=limit,
            client_order_id="down-1",
        )
        order_id = result.order.order_id
        await _until_state(client, order_id, OrderState.NEW)
    await server.stop(grace=0.5)

    fake.fill("down-1", fake.quantity, limit)  # nobody is listening
    server = await _serve(fake, journal)
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            order = await _until_state(client, order_id, OrderState.FILLED)
            positions = await client.get_positions(["crypto"])
    finally:
        await server.stop(grace=0.5)

    assert order.state == OrderState.FILLED
    assert order.filled_quantity == fake.quantity
    assert positions[0].positions[0].quantity == fake.quantity
    assert len(fake.orders()) == 1


async def test_server_unreachable_venue_refuses_orders_with_failed_precondition(
    fake: FakeBinance, tmp_path: Path
) -> None:
    config = _config(fake, tmp_path / "j.log")
    await fake.stop()
    server = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            with pytest.raises(FailedPreconditionError) as denied:
                await client.submit_order("crypto", fake.symbol, "buy", fake.quantity)
    finally:
        await server.stop(grace=0.5)

    assert denied.value.reason == "VENUE_NOT_RECONCILED"
    assert "crypto" in denied.value.message
