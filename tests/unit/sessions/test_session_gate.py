"""The closed-market gate and DAY expiry at the session close, through the engine (no gRPC).

Symbol XYZ trades on XNYS (extended hours on), ABC on the FX week; the clock is
a ManualClock set to the instant each test names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fillgate.app import Components, build
from fillgate.config import config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.orders import Order
from fillgate.domain.values import ManualClock

NY = ZoneInfo("America/New_York")
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET
DAY, GTC = TimeInForce.DAY, TimeInForce.GTC


def et(text: str) -> int:
    """New York local time as UTC ns."""
    return int(datetime.fromisoformat(text).replace(tzinfo=NY).timestamp()) * 1_000_000_000


ACCOUNT, SYMBOL, OTHER_SYMBOL = "acct-a", "XYZ", "ABC"
SESSIONS = {
    "symbols": {
        SYMBOL: {"calendar": "XNYS", "extended_hours": True},
        OTHER_SYMBOL: {"calendar": "FX"},
    }
}


class Harness:
    """The engine and paper venue of one configuration, and a submit with defaults."""

    def __init__(self, parts: Components) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.paper = parts.paper
        self._count = 0

    async def submit_order(self, **overrides: Any) -> Order:
        """Submit a GTC market buy of 1 XYZ unless overridden."""
        self._count += 1
        fields: dict[str, Any] = {
            "account": ACCOUNT,
            "symbol": SYMBOL,
            "side": Side.BUY,
            "quantity": D(1),
            "type": MARKET,
            "time_in_force": GTC,
            "client_order_id": f"c-{self._count}",
            **overrides,
        }
        for key in ("quantity", "limit_price"):
            if key in fields:
                fields[key] = D(str(fields[key]))
        return (await self.engine.submit(SubmitOrder(**fields))).order

    def order(self, order_id: str) -> Order:
        found = self.engine.order(order_id)
        assert found is not None
        return found

    def order_count(self) -> int:
        return len(list(self.engine.orders()))


Make = Callable[..., Awaitable[tuple[Harness, ManualClock]]]


@pytest.fixture
async def at() -> AsyncIterator[Make]:
    """Factory: ``await at("2026-12-05T03:00")`` -> a started harness, its clock at that ET time."""
    started: list[Harness] = []

    async def _make(when: str, **sessions: Any) -> tuple[Harness, ManualClock]:
        raw: dict[str, Any] = {
            "accounts": {ACCOUNT: {}},
            "symbols": {
                SYMBOL: {"reference_price": "100", "quantity_precision": 4},
                OTHER_SYMBOL: {"reference_price": "50", "quantity_precision": 0},
            },
            "sessions": sessions or SESSIONS,
        }
        clock = ManualClock(et(when))
        parts = build(config_from_dict(raw), clock=clock)
        await parts.engine.start()
        h = Harness(parts)
        started.append(h)
        return h, clock

    yield _make  # type: ignore[misc]
    for h in started:
        await h.engine.stop()


async def test_submit_saturday_0300_et_denied_market_closed_with_next_open(at: Make) -> None:
    h, _ = await at("2026-12-05T03:00")

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)

    assert caught.value.reason == "MARKET_CLOSED"
    assert caught.value.metadata["next_open"] == "2026-12-07T14:30:00Z"
    assert caught.value.metadata["symbol"] == SYMBOL
    assert h.order_count() == 0


async def test_submit_regular_session_accepted(at: Make) -> None:
    h, _ = await at("2026-12-07T10:00")

    order = await h.submit_order(type=MARKET, quantity="1")

    assert order.state is OrderState.FILLED


async def test_submit_on_us_holiday_denied_market_closed(at: Make) -> None:
    h, _ = await at("2026-11-26T11:00")

    with pytest.raises(FailedPrecondition, match="closed") as caught:
        await h.submit_order(type=MARKET, quantity="1")

    assert caught.value.metadata["next_open"] == "2026-11-27T14:30:00Z"


async def test_submit_pre_market_limit_day_accepted(at: Make) -> None:
    h, _ = await at("2026-12-07T08:00")

    order = await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)

    assert order.state is OrderState.NEW


async def test_submit_pre_market_market_order_denied_extended_hours_not_allowed(at: Make) -> None:
    h, _ = await at("2026-12-07T08:00")

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(type=MARKET, quantity="1")

    assert caught.value.reason == "EXTENDED_HOURS_NOT_ALLOWED"
    assert caught.value.metadata["phase"] == "PRE_MARKET"


async def test_submit_post_market_limit_gtc_denied_extended_hours_not_allowed(at: Make) -> None:
    h, _ = await at("2026-12-07T17:00")

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(type=LIMIT, limit_price=99, time_in_force=GTC)

    assert caught.value.reason == "EXTENDED_HOURS_NOT_ALLOWED"


async def test_submit_pre_market_without_extended_hours_denied_market_closed(at: Make) -> None:
    h, _ = await at("2026-12-07T08:00", symbols={SYMBOL: {"calendar": "XNYS"}})

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)

    assert caught.value.reason == "MARKET_CLOSED"


async def test_submit_fx_symbol_saturday_denied_until_sunday_1700_et(at: Make) -> None:
    h, _ = await at("2026-12-05T03:00")

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(symbol=OTHER_SYMBOL, type=MARKET, quantity="1")

    assert caught.value.metadata["next_open"] == "2026-12-06T22:00:00Z"


async def test_market_closed_denial_is_journaled_as_order_denied(at: Make) -> None:
    h, _ = await at("2026-12-05T03:00")

    with pytest.raises(FailedPrecondition):
        await h.submit_order(type=MARKET, quantity="1")

    assert h.engine.state.denied == 1  # applied (and journaled) as OrderDenied


async def test_day_order_expires_at_half_day_close_1300_et(at: Make) -> None:
    h, clock = await at("2026-11-27T10:00")
    order = await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)
    assert h.paper.day_due_ns(order) == et("2026-11-27T13:00")

    clock.advance(et("2026-11-27T12:59") - clock.now_ns())
    assert h.paper.expire_day_orders(clock.now_ns()) == 0
    clock.advance(60 * 1_000_000_000)
    assert h.paper.expire_day_orders(clock.now_ns()) == 1

    assert h.order(order.order_id).state is OrderState.EXPIRED


async def test_day_order_in_post_market_expires_at_post_market_end(at: Make) -> None:
    h, _ = await at("2026-12-07T17:00")

    order = await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)

    assert h.paper.day_due_ns(order) == et("2026-12-07T20:00")


async def test_day_order_on_24_7_symbol_expires_at_utc_day_end(at: Make) -> None:
    h, _ = await at("2026-12-07T10:00", symbols={})

    order = await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)

    midnight = datetime.fromisoformat("2026-12-08T00:00+00:00")
    assert h.paper.day_due_ns(order) == int(midnight.timestamp()) * 1_000_000_000
