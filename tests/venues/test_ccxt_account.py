"""Binance spot account money (issue 12): ``fetch_account`` through ccxt.pro against the fake.

The fake's book has one price per symbol (bid = ask), so its mid is that price;
the mid of a real two-sided book is checked on :func:`account.value` directly.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from ccxt.base.errors import BadResponse, NotSupported
from fakes.binance import FakeBinance

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import SystemClock
from fillgate.venues.ccxt import account, build_driver
from fillgate.venues.ccxt.driver import CcxtDriver
from fillgate.venues.types import PlaceRequest, VenueQuote

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BTC = account.Pair("BTC-USD", "BTC", "USDT")


def make_fake() -> FakeBinance:
    return FakeBinance(quote_balance=Decimal("10000"), base_balance=Decimal("0.5"))


def make_driver(fake: FakeBinance) -> CcxtDriver:
    return build_driver(fake.settings(), fake.credentials(), clock=SystemClock())


def _order(client_id: str, side: Side, quantity: str, limit: str | None = None) -> PlaceRequest:
    return PlaceRequest(
        client_id=client_id,
        symbol="BTC-USD",
        side=side,
        type=OrderType.LIMIT if limit else OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal(quantity),
        limit_price=Decimal(limit) if limit else None,
    )


async def test_ccxt_fetch_account_base_balance_is_valued_at_the_venue_mid(fake, driver):
    fake.set_price(Decimal("60000"))

    money = await driver.fetch_account()

    assert (money.currency, money.cash, money.buying_power) == ("USDT", 10000, 10000)
    assert money.equity == Decimal("40000")  # 10,000 + 0.5 x 60,000
    assert money.margin_used == 0


async def test_ccxt_fetch_account_resting_buy_stays_cash_but_not_buying_power(fake, driver):
    await driver.place(_order("rest-1", Side.BUY, "0.1", limit="40000"))  # locks 4,000 USDT

    money = await driver.fetch_account()

    assert (money.cash, money.buying_power) == (Decimal(10000), Decimal(6000))
    assert money.equity == Decimal(35000)


async def test_ccxt_fetch_account_fill_moves_cash_and_equity_with_the_fee(fake, driver):
    await driver.place(_order("mkt-1", Side.BUY, "0.1"))  # 5,000 USDT at 50,000
    fee = fake.book.trades[-1]["commission"]

    money = await driver.fetch_account()

    assert money.cash == Decimal(5000) - Decimal(fee)
    assert money.equity == Decimal(35000) - Decimal(fee)  # 0.6 BTC x 50,000


async def test_ccxt_fetch_account_unmapped_asset_is_left_out_of_equity(fake, driver):
    fake.book.set_free("ETH", Decimal(100))

    money = await driver.fetch_account()

    assert money.equity == Decimal(35000)


async def test_ccxt_fetch_account_flat_account_asks_no_quotes(fake, driver):
    fake.set_position(Decimal(0))
    fake.requests.clear()

    money = await driver.fetch_account()

    assert money.equity == Decimal(10000)
    assert [r.path for r in fake.requests] == ["/api/v3/account"]


def test_ccxt_account_value_two_sided_book_uses_the_mid() -> None:
    quote = VenueQuote(symbol="BTC-USD", bid=Decimal("49999"), ask=Decimal("50002"))
    balances = {"USDT": (Decimal(100), Decimal(0)), "BTC": (Decimal(1), Decimal(1))}

    money = account.value("USDT", [BTC], balances, [quote])

    assert money.equity == Decimal("100101")  # 100 + 2 x 50,000.5


def test_ccxt_account_value_one_sided_book_uses_that_side() -> None:
    quote = VenueQuote(symbol="BTC-USD", bid=Decimal("49000"), ask=None)
    balances = {"BTC": (Decimal(1), Decimal(0))}

    assert account.value("USDT", [BTC], balances, [quote]).equity == Decimal(49000)


def test_ccxt_account_value_held_asset_without_quote_fails_the_read() -> None:
    with pytest.raises(BadResponse, match="BTC-USD"):
        account.value("USDT", [BTC], {"BTC": (Decimal(1), Decimal(0))}, [])


def test_ccxt_account_currency_several_quote_assets_not_supported() -> None:
    eth_btc = account.Pair("ETH-BTC", "ETH", "BTC")

    with pytest.raises(NotSupported, match="BTC, USDT"):
        account.currency_of([BTC, eth_btc])
