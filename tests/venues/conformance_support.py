"""What the conformance suites share (test_conformance.py, test_conformance_lists.py).

:func:`started` runs the real engine, built from config by ``fillgate.app.build``,
against a fake venue on 127.0.0.1 that speaks the venue's real protocol, with
the real SDK in between. Restarts are real crashes: ``crash_support.py`` runs
fillgate as a ``fillgate serve`` process and kills it (test_conformance_crash.py).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from fakes.gateway import eventually

from fillgate.app import Components, build
from fillgate.config import config_from_dict
from fillgate.domain import events as ev
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.venues.runtime.client_ids import venue_client_id

ACCOUNT = "acct"
FAKES = {
    "paper": ("fakes.paper", "FakePaper"),
    "ccxt": ("fakes.binance", "FakeBinance"),
    "oanda": ("fakes.oanda", "FakeOanda"),
    "alpaca": ("fakes.alpaca", "FakeAlpaca"),
}


class Venue:
    """A started engine trading one account at one fake venue."""

    parts: Components

    def __init__(self, fake: Any, config: dict[str, Any]) -> None:
        self.fake = fake
        self._config = config
        self._reports: list[ExecutionReport] = []
        self._alerts: list[Any] = []

    async def start(self) -> None:
        """Build the components and start them."""
        self.parts = build(config_from_dict(self._config), None, None)
        if hasattr(self.fake, "attach"):
            self.fake.attach(self.parts)
        self.engine = self.parts.engine
        self.subscription = self.engine.bus.subscribe()
        await self.engine.start()
        await self.parts.reconciler.start()

    async def stop(self) -> None:
        await self.parts.reconciler.stop()
        await self.engine.stop()

    def _drain(self) -> None:
        """Take what the bus has delivered so far (journal-less: delivery is immediate)."""
        while not self.subscription.queue.empty():
            item = self.subscription.queue.get_nowait()
            payload = item.payload
            if isinstance(payload, ExecutionReport):
                self._reports.append(payload)
            else:
                self._alerts.append(payload)

    @property
    def reports(self) -> list[ExecutionReport]:
        self._drain()
        return self._reports

    @property
    def alerts(self) -> list[Any]:
        self._drain()
        return self._alerts

    @property
    def networked(self) -> bool:
        return bool(getattr(self.fake, "network", True))

    def need_network(self) -> None:
        if not self.networked:
            pytest.skip(f"{self.fake.venue}: no network between fillgate and the venue")

    async def submit(
        self,
        client_order_id: str,
        *,
        side: Side = Side.BUY,
        quantity: Decimal | None = None,
        limit: Decimal | None = None,
    ) -> Order:
        result = await self.engine.submit(
            SubmitOrder(
                account=ACCOUNT,
                symbol=self.fake.symbol,
                side=side,
                quantity=quantity or self.fake.quantity,
                type=OrderType.MARKET if limit is None else OrderType.LIMIT,
                time_in_force=TimeInForce.GTC if limit is not None else TimeInForce.IOC,
                client_order_id=client_order_id,
                limit_price=limit,
            )
        )
        return result.order

    def order(self, order_id: str) -> Order:
        order = self.engine.order(order_id)
        assert order is not None
        return order

    def fills(self, order_id: str) -> list[ev.OrderFilled]:
        return [
            r.event
            for r in self.reports
            if r.order.order_id == order_id and isinstance(r.event, ev.OrderFilled)
        ]

    async def until(self, order_id: str, *states: OrderState, timeout: float = 8.0) -> Order:
        await eventually(lambda: self.order(order_id).state in states, timeout)
        return self.order(order_id)

    @property
    def tick(self) -> Decimal:
        return Decimal(1).scaleb(-int(self.fake.symbol_table["price_precision"]))

    def price_at(self, factor: str) -> Decimal:
        """The start price times ``factor``, on the venue's tick."""
        return (self.fake.price * Decimal(factor)).quantize(self.tick)

    def resting_price(self) -> Decimal:
        """A buy limit well below the market, on the venue's tick."""
        return self.price_at("0.9")

    def venue_id(self, order: Order) -> str:
        """The client id the fake venue knows the order (as it is now) by."""
        driver = getattr(self.engine.venues[ACCOUNT], "driver", None)
        if driver is None:  # the paper venue keeps ours
            return order.client_order_id
        return venue_client_id(driver.client_ids, ACCOUNT, order.client_order_id, order.version)

    def position(self) -> Decimal:
        return self.engine.book.quantity(ACCOUNT, self.fake.symbol)


@contextlib.asynccontextmanager
async def started(
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    account: dict[str, Any] | None = None,
    **sections: dict[str, Any],
) -> AsyncIterator[Venue]:
    """The engine built from config (plus ``sections``, and ``account`` over the fake's
    account table) trading at fake venue ``name``, without a journal."""
    module, cls = FAKES[name]
    fake = getattr(importlib.import_module(module), cls)()
    await fake.start()
    for key, value in fake.environment().items():
        monkeypatch.setenv(key, value)
    config: dict[str, Any] = {
        "accounts": {ACCOUNT: fake.account_table() | (account or {})},
        "symbols": {fake.symbol: fake.symbol_table},
        **sections,
    }
    v = Venue(fake, config)
    await v.start()
    try:
        yield v
    finally:
        await v.stop()
        await fake.stop()
