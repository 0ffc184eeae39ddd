"""Shared pieces of the Alpaca driver tests: settings for a fake, requests, a stream consumer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any, TypeAlias

import pytest

from fakes.alpaca import FakeAlpaca
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.venues.alpaca.driver import AlpacaDriver
from fillgate.venues.driver import Credentials, VenueSettings
from fillgate.venues.errors import Secret, VenueFailure
from fillgate.venues.types import PlaceRequest, StreamStatus, VenueReport, VenueStatus

Item: TypeAlias = VenueReport | StreamStatus


def settings_for(fake: FakeAlpaca, **override: Any) -> VenueSettings:
    table = {k: v for k, v in fake.account_table().items() if not k.endswith(("_env", "_file"))}
    table.update(symbols={"AAPL": "AAPL", "BTC-USD": "BTC/USD"}, timeout_s=2.0)
    table.update(override)
    return VenueSettings(account="alpaca-test", **table)


def credentials(key: str, secret: str) -> Credentials:
    return Credentials(key=Secret(key), secret=Secret(secret))


def request(client_id: str, **fields: Any) -> PlaceRequest:
    values: dict[str, Any] = {
        "symbol": "AAPL",
        "side": Side.BUY,
        "type": OrderType.MARKET,
        "time_in_force": TimeInForce.DAY,
        "quantity": D(2),
    }
    values.update(fields)
    return PlaceRequest(client_id=client_id, **values)


def limit(client_id: str, quantity: str = "3", price: str = "180.55") -> PlaceRequest:
    return request(
        client_id,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=D(quantity),
        limit_price=D(price),
    )


class Feed:
    """Consume ``driver.stream()`` in a task and let a test wait for what it yields."""

    def __init__(self, driver: AlpacaDriver) -> None:
        self.driver = driver
        self.items: asyncio.Queue[Item] = asyncio.Queue()
        self.task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        async for item in self.driver.stream():
            self.items.put_nowait(item)

    async def next(self, match: Callable[[Item], bool], timeout: float = 3.0) -> Item:
        async with asyncio.timeout(timeout):
            while not match(item := await self.items.get()):
                pass
        return item

    async def up(self, up: bool = True) -> StreamStatus:
        item = await self.next(lambda i: isinstance(i, StreamStatus) and i.up is up)
        assert isinstance(item, StreamStatus)
        return item

    async def order(self, client_id: str, status: VenueStatus) -> VenueReport:
        def match(i: Item) -> bool:
            o = getattr(i, "order", None)
            return o is not None and o.client_id == client_id and o.status is status

        item = await self.next(match)
        assert isinstance(item, VenueReport)
        return item

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def fails(driver: AlpacaDriver, awaitable: Any) -> VenueFailure:
    with pytest.raises(Exception) as caught:
        await awaitable
    return driver.classify(caught.value)


def posted_orders(fake: FakeAlpaca) -> list[dict[str, Any]]:
    return [
        json.loads(r.body, parse_float=D)
        for r in fake.requests
        if r.method == "POST" and r.path == "/v2/orders"
    ]
