"""The conformance suite's account scenarios (issue 12): the venue's money drives risk.

Run for every venue whose driver reports its money (``fetch_account``); the
others are skipped with the reason read from the driver, like the quote
scenarios in :mod:`test_conformance`. Each account is configured with a
``starting_cash`` far above any fake's money, so a check or breaker that still
worked from ``starting_cash`` would pass (or trip) where the venue's money says
otherwise. The venue's equity is read from the driver itself, not assumed.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from test_conformance import ACCOUNT, FAKES, QUOTE_MARKETDATA, Venue, eventually, started

from fillgate.domain.enums import Breaker, OrderState
from fillgate.domain.errors import FailedPrecondition

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STARTING_CASH = Decimal(10) ** 12
MARKETDATA = QUOTE_MARKETDATA | {"venue_account_interval_s": 0.1}
LOOSE = {"max_order_notional": str(STARTING_CASH)}


def _account_gap(venue: Venue) -> str | None:
    """Why the venue's driver cannot run an account scenario (None: it can)."""
    driver = getattr(venue.engine.venues[ACCOUNT], "driver", None)
    if driver is None:
        return f"{venue.fake.venue}: no venue driver, so no venue account"
    if not hasattr(driver, "fetch_account"):
        return f"{venue.fake.venue}: {type(driver).__name__} has no fetch_account"
    return None


@contextlib.asynccontextmanager
async def funded(name: str, monkeypatch: pytest.MonkeyPatch, **risk: Any) -> AsyncIterator[Venue]:
    """Venue ``name`` with its quotes polled and its account baselined to the venue's money."""
    async with started(
        name,
        monkeypatch,
        {"starting_cash": str(STARTING_CASH)},
        marketdata=MARKETDATA,
        risk=LOOSE | risk,
    ) as v:
        gap = _account_gap(v)
        if gap is not None:
            pytest.skip(gap)
        quotes, accounts = v.parts.quotes, v.parts.accounts
        assert quotes is not None and accounts is not None
        quotes.start()
        accounts.start()
        try:
            await eventually(lambda: ACCOUNT in v.engine.state.venue_accounts.based)
            yield v
        finally:
            await accounts.stop()
            await quotes.stop()


async def _venue_equity(venue: Venue) -> Decimal:
    money = await venue.engine.venues[ACCOUNT].account_state()  # type: ignore[attr-defined]
    assert money is not None
    return Decimal(money.equity)


def _quantity(venue: Venue, notional: Decimal) -> Decimal:
    step = Decimal(1).scaleb(-int(venue.fake.symbol_table["quantity_precision"]))
    return (notional / venue.fake.price).quantize(step, rounding=ROUND_DOWN)


@pytest.mark.parametrize("name", list(FAKES))
async def test_venue_account_equity_is_the_venues_not_starting_cash(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with funded(name, monkeypatch) as venue:
        equity = await _venue_equity(venue)

        ours = venue.engine.book.snapshot(ACCOUNT).equity

    assert ours == equity != STARTING_CASH


@pytest.mark.parametrize("name", list(FAKES))
async def test_venue_account_pct_of_equity_limit_uses_venue_equity(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with funded(name, monkeypatch, max_position_pct_equity="50") as venue:
        quantity = _quantity(venue, await _venue_equity(venue) * Decimal("0.6"))

        with pytest.raises(FailedPrecondition) as denied:
            await venue.submit("pct-1", quantity=quantity, limit=venue.fake.price)

    assert denied.value.reason == "POSITION_EXCEEDS_MAX_PCT_EQUITY"


@pytest.mark.parametrize("name", list(FAKES))
async def test_venue_account_buying_power_check_uses_venue_equity(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with funded(name, monkeypatch, margin_rate="1") as venue:
        quantity = _quantity(venue, await _venue_equity(venue) * Decimal("1.5"))

        with pytest.raises(FailedPrecondition) as denied:
            await venue.submit("bp-1", quantity=quantity, limit=venue.fake.price)

    assert denied.value.reason == "INSUFFICIENT_BUYING_POWER"


@pytest.mark.parametrize("name", list(FAKES))
async def test_venue_account_daily_loss_breaker_trips_on_venue_equity(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, cls = FAKES[name]
    fake_cls = getattr(importlib.import_module(module), cls)
    limit = fake_cls.quantity * fake_cls.price / 20  # 5 % of one order's notional
    breakers = {"daily_loss": {"limit": str(limit)}}
    async with funded(name, monkeypatch, breakers=breakers) as venue:
        risk = venue.engine.risk
        assert risk is not None
        # Baselined from 10^12 down to the venue's money, yet no loss: the day starts there.
        assert Breaker.DAILY_LOSS not in risk.breakers.day(ACCOUNT).tripped

        order = await venue.submit("loss-1")
        await venue.until(order.order_id, OrderState.FILLED)
        tick = Decimal(1).scaleb(-int(fake_cls.symbol_table["price_precision"]))
        venue.fake.set_price((fake_cls.price * Decimal("0.9")).quantize(tick))  # -10 %
        await eventually(lambda: Breaker.DAILY_LOSS in risk.breakers.day(ACCOUNT).tripped)
        value = risk.breakers.value(Breaker.DAILY_LOSS, ACCOUNT)

    assert limit < value < limit * 3  # the order's loss and fees, not the 10^12 gap
