"""Shared fixtures for unit tests: an engine + paper venue wired by ``build``, no gRPC.

The ``make_harness`` factory builds and starts the components with a
:class:`ManualClock`; the ``harness`` fixture is the default configuration.
Two accounts (``acct-a``, ``acct-b``) and two symbols:

- ``XYZ``: reference price 100, 2 price decimals, 4 quantity decimals;
- ``ABC``: reference price 50, 2 price decimals, whole quantities.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fillgate.app import Components, build
from fillgate.config import Config, config_from_dict
from fillgate.domain import events as ev
from fillgate.domain.commands import (
    CancelOrder,
    Halt,
    OrderRef,
    ReplaceOrder,
    Resume,
    SetReferencePrice,
    SubmitOrder,
)
from fillgate.domain.enums import HaltScope, OrderType, Side, TimeInForce, TradingMode
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import ManualClock
from fillgate.engine.engine import SubmitResult
from fillgate.engine.kill_switch import HaltResult
from fillgate.journal.journal import Journal

ACCOUNT = "acct-a"
OTHER_ACCOUNT = "acct-b"
SYMBOL = "XYZ"
OTHER_SYMBOL = "ABC"


def make_config(
    *,
    fee_rate: str = "0",
    liquidity: Mapping[str, str] | None = None,
    risk: Mapping[str, Any] | None = None,
    marketdata: Mapping[str, Any] | None = None,
) -> Config:
    """Return the unit-test config; ``liquidity`` maps symbol -> paper_liquidity.

    ``risk`` is the ``[risk]`` section (default: the built-in risk defaults).
    """
    symbols: dict[str, dict[str, Any]] = {
        SYMBOL: {"reference_price": "100", "price_precision": 2, "quantity_precision": 4},
        OTHER_SYMBOL: {"reference_price": "50", "price_precision": 2, "quantity_precision": 0},
    }
    for name, amount in (liquidity or {}).items():
        symbols[name]["paper_liquidity"] = amount
    return config_from_dict(
        {
            "accounts": {ACCOUNT: {}, OTHER_ACCOUNT: {}},
            "symbols": symbols,
            "paper": {"fee_rate": fee_rate},
            **({"risk": risk} if risk is not None else {}),
            **({"marketdata": marketdata} if marketdata is not None else {}),
        }
    )


def _dec(value: Decimal | str | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class Harness:
    """Drive the engine in-process and read back orders, reports and positions."""

    def __init__(self, parts: Components) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.paper = parts.paper
        self._count = 0

    # -- commands -------------------------------------------------------------

    def command(self, **overrides: Any) -> SubmitOrder:
        """Return a SubmitOrder: a GTC market buy of 1 XYZ unless overridden."""
        self._count += 1
        fields: dict[str, Any] = {
            "account": ACCOUNT,
            "symbol": SYMBOL,
            "side": Side.BUY,
            "quantity": Decimal(1),
            "type": OrderType.MARKET,
            "time_in_force": TimeInForce.GTC,
            "client_order_id": f"c-{self._count}",
        }
        fields.update(overrides)
        for key in ("quantity", "limit_price", "stop_price"):
            if key in fields:
                fields[key] = _dec(fields[key])
        return SubmitOrder(**fields)

    async def submit(self, **overrides: Any) -> SubmitResult:
        return await self.engine.submit(self.command(**overrides))

    async def submit_order(self, **overrides: Any) -> Order:
        return (await self.submit(**overrides)).order

    def price(self, price: Decimal | str | int, symbol: str = SYMBOL) -> None:
        self.engine.set_reference_price(SetReferencePrice(symbol=symbol, price=Decimal(str(price))))

    async def cancel(self, order_id: str) -> Order:
        return await self.engine.cancel(CancelOrder(ref=OrderRef(order_id=order_id)))

    async def replace(
        self,
        order_id: str,
        *,
        quantity: Decimal | str | int | None = None,
        limit_price: Decimal | str | int | None = None,
        stop_price: Decimal | str | int | None = None,
    ) -> Order:
        return await self.engine.replace(
            ReplaceOrder(
                ref=OrderRef(order_id=order_id),
                quantity=_dec(quantity),
                limit_price=_dec(limit_price),
                stop_price=_dec(stop_price),
            )
        )

    async def halt(
        self,
        mode: TradingMode = TradingMode.HALTED,
        scope: HaltScope = HaltScope.ALL,
        target: str = "",
        reason: str = "unit test",
        **kw: Any,
    ) -> HaltResult:
        return await self.parts.kill_switch.halt(
            Halt(scope=scope, target=target, mode=mode, reason=reason, **kw)
        )

    def resume(self, scope: HaltScope = HaltScope.ALL, target: str = "") -> None:
        self.parts.kill_switch.resume(Resume(scope=scope, target=target, reason="unit test"))

    async def build_position(
        self,
        quantity: Decimal | str | int,
        *,
        account: str = ACCOUNT,
        symbol: str = SYMBOL,
    ) -> None:
        """Open a position with a market order: positive is long, negative short."""
        qty = Decimal(str(quantity))
        side = Side.BUY if qty > 0 else Side.SELL
        await self.submit(account=account, symbol=symbol, side=side, quantity=abs(qty))

    # -- reads ----------------------------------------------------------------

    def order(self, order_id: str) -> Order:
        return self.engine.resolve(OrderRef(order_id=order_id))

    @property
    def head(self) -> int:
        return self.engine.bus.head

    def reports(self, order_id: str | None = None) -> list[ExecutionReport]:
        """Every execution report on the bus so far (for one order when given)."""
        sub = self.engine.bus.subscribe(from_sequence=0)
        try:
            return [
                e.payload
                for e in sub.backlog
                if isinstance(e.payload, ExecutionReport)
                and (order_id is None or e.payload.order.order_id == order_id)
            ]
        finally:
            sub.close()

    def published_since(self, head: int) -> list[object]:
        """The payloads published on the bus after sequence ``head``, in order."""
        sub = self.engine.bus.subscribe(from_sequence=head)
        try:
            return [e.payload for e in sub.backlog]
        finally:
            sub.close()

    def assert_only_denial_since(self, head: int, reason: str) -> ev.OrderDenied:
        """Assert that the one event published after ``head`` is a denial for ``reason``."""
        (denial,) = self.published_since(head)
        assert isinstance(denial, ev.OrderDenied), denial
        assert denial.reason == reason
        return denial

    def fills(self, order_id: str) -> list[ev.OrderFilled]:
        return [r.event for r in self.reports(order_id) if isinstance(r.event, ev.OrderFilled)]

    def fill_terms(self, order_id: str) -> list[tuple[Decimal, Decimal]]:
        """(quantity, price) of each fill of an order, in order."""
        return [(f.quantity, f.price) for f in self.fills(order_id)]

    def position(self, account: str = ACCOUNT, symbol: str = SYMBOL) -> Decimal:
        return self.engine.book.quantity(account, symbol)

    def order_count(self) -> int:
        return sum(1 for _ in self.engine.orders())


MakeHarness = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_harness() -> AsyncIterator[MakeHarness]:
    """Factory: ``await make_harness(fee_rate=, liquidity=, risk=, journal=)`` -> a started Harness.

    With ``journal`` (a path) the engine journals there, as a server does.
    """
    started: list[Harness] = []
    journals: list[Journal] = []

    async def _make(journal: Path | None = None, **config: Any) -> Harness:
        log = None
        if journal is not None:
            log = Journal(journal)
            list(log.open())
            log.start()
            journals.append(log)
        parts = build(make_config(**config), clock=ManualClock(), journal=log)
        await parts.engine.start()
        harness = Harness(parts)
        started.append(harness)
        return harness

    yield _make
    for harness in started:
        await harness.engine.stop()
    for log in journals:
        await log.close()


@pytest.fixture
async def harness(make_harness: MakeHarness) -> Harness:
    return await make_harness()
