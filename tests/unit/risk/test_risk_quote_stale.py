"""Stale prices are a first-class condition (issue 12): QUOTE_STALE, never an old number."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from risk_helpers import BOUNDARY, accepted, denied

from fillgate.domain.commands import Halt
from fillgate.domain.enums import HaltScope, OrderType, Side, TradingMode
from fillgate.marketdata.quotes import VENUE

SECOND = 1_000_000_000
FRESH = {"max_quote_age_s": 10}


def quote(h, bid: str = "99", ask: str = "101", symbol: str = "XYZ") -> None:
    h.engine.on_quote(symbol, bid=D(bid), ask=D(ask), source=VENUE)


@pytest.mark.parametrize(("age_s", "deny"), [(9, False), (10, False), (11, True)], ids=BOUNDARY)
async def test_quote_stale_market_order_boundary(make_harness, age_s, deny):
    h = await make_harness(marketdata=FRESH)
    quote(h)
    h.parts.clock.advance(age_s * SECOND)

    if deny:
        exc = await denied(h, "QUOTE_STALE", limit="10", value="11")
        assert exc.metadata["age_ms"] == "11000"
        assert exc.metadata["source"] == "venue"
    else:
        await accepted(h)


async def test_quote_stale_fresh_quote_after_silence_accepts_again(make_harness):
    h = await make_harness(marketdata=FRESH)
    quote(h)
    h.parts.clock.advance(60 * SECOND)
    await denied(h, "QUOTE_STALE")

    quote(h, "99.5", "100.5")

    await accepted(h)


async def test_quote_stale_paper_reference_price_never_ages(make_harness):
    h = await make_harness(marketdata=FRESH)
    h.parts.clock.advance(3600 * SECOND)

    await accepted(h)


async def test_quote_stale_limit_order_without_price_checks_accepted(make_harness):
    # No collar, no notional cap, no exposure limit that values at the mark: nothing needs it.
    h = await make_harness(marketdata=FRESH, risk={"margin_rate": "0"})
    quote(h)
    h.parts.clock.advance(60 * SECOND)

    await accepted(h, type=OrderType.LIMIT, limit_price="99")


async def test_quote_stale_collar_on_limit_order_denied(make_harness):
    h = await make_harness(marketdata=FRESH, risk={"margin_rate": "0", "price_collar_pct": "5"})
    quote(h)
    h.parts.clock.advance(60 * SECOND)

    await denied(h, "QUOTE_STALE", type=OrderType.LIMIT, limit_price="99")


async def test_quote_stale_max_age_zero_never_stale(make_harness):
    h = await make_harness(marketdata={"max_quote_age_s": 0})
    quote(h)
    h.parts.clock.advance(3600 * SECOND)

    await accepted(h)


async def test_quote_stale_flatten_on_halt_still_runs(make_harness):
    h = await make_harness(marketdata=FRESH)
    await accepted(h, quantity=5)
    quote(h)
    h.parts.clock.advance(60 * SECOND)

    result = await h.parts.kill_switch.halt(
        Halt(
            scope=HaltScope.ACCOUNT,
            target="acct-a",
            mode=TradingMode.HALTED,
            reason="test",
            flatten_positions=True,
        )
    )

    assert [o.side for o in result.flattened] == [Side.SELL]
