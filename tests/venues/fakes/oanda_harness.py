"""Helpers the OANDA driver tests share: settings for a fake, requests, a stream tap."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from decimal import Decimal

from fakes.oanda import FakeOanda
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import SystemClock
from fillgate.venues.driver import Credentials, VenueSettings
from fillgate.venues.errors import Secret
from fillgate.venues.oanda import build_driver
from fillgate.venues.oanda.driver import OandaDriver
from fillgate.venues.types import PlaceRequest, StreamStatus, VenueReport, VenueStatus

ACCOUNT_PATH = "/v3/accounts/101-004-1234567-001"
Item = VenueReport | StreamStatus


def settings_for(fake: FakeOanda, **changes: object) -> VenueSettings:
    table = fake.account_table()
    fields: dict[str, object] = {
        "account": "oanda-test",
        "venue": "oanda",
        "environment": table["environment"],
        "api_url": table["api_url"],
        "stream_url": table["stream_url"],
        "venue_account_id": table["venue_account_id"],
        "symbols": table["symbols"],
        "timeout_s": table["timeout_s"],
        "backoff_base_s": table["backoff_base_s"],
    }
    fields.update(changes)
    return VenueSettings(**fields)  # type: ignore[arg-type]


def new_driver(fake: FakeOanda, **changes: object) -> OandaDriver:
    """A driver for the fake's account (not opened)."""
    return build_driver(
        settings_for(fake, **changes), Credentials(key=Secret(fake.token)), clock=SystemClock()
    )


def market(client_id: str, side: Side = Side.BUY, quantity: str = "1000") -> PlaceRequest:
    return PlaceRequest(
        client_id=client_id,
        symbol="EUR-USD",
        side=side,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal(quantity),
    )


def limit(client_id: str, price: str = "1.10000", quantity: str = "1000") -> PlaceRequest:
    return PlaceRequest(
        client_id=client_id,
        symbol="EUR-USD",
        side=Side.SELL,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal(quantity),
        limit_price=Decimal(price),
    )


def sent_orders(fake: FakeOanda) -> list[dict[str, object]]:
    return [
        json.loads(body)["order"]
        for method, path, _, body in fake.requests
        if method in ("POST", "PUT") and path.startswith(ACCOUNT_PATH + "/orders") and body
    ]


class Tap:
    """Consume a driver's stream in a task; wait for items matching a predicate."""

    def __init__(self, driver: OandaDriver) -> None:
        self.items: asyncio.Queue[Item] = asyncio.Queue()
        self.task = asyncio.create_task(self._pump(driver))

    async def _pump(self, driver: OandaDriver) -> None:
        async for item in driver.stream():
            self.items.put_nowait(item)

    async def until(self, predicate: Callable[[Item], bool], timeout: float = 3.0) -> Item:
        async with asyncio.timeout(timeout):
            while True:
                item = await self.items.get()
                if predicate(item):
                    return item

    async def up(self) -> None:
        await self.until(lambda item: isinstance(item, StreamStatus) and item.up)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def order_of(client_id: str, status: VenueStatus) -> Callable[[Item], bool]:
    def matches(item: Item) -> bool:
        order = item.order if isinstance(item, VenueReport) else None
        return order is not None and order.client_id == client_id and order.status is status

    return matches
