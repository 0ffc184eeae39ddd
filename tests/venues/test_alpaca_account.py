"""Alpaca's account money (issue 12): ``/v2/account`` through alpaca-py against the fake."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from fakes.alpaca import FakeAlpaca
from fakes.alpaca_harness import credentials, settings_for

from fillgate.domain.values import SystemClock
from fillgate.venues.alpaca import build_driver
from fillgate.venues.alpaca.driver import AlpacaDriver

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_fake() -> FakeAlpaca:
    return FakeAlpaca()


def make_driver(fake: FakeAlpaca) -> AlpacaDriver:
    return build_driver(settings_for(fake), credentials(fake.key, fake.secret), clock=SystemClock())


async def test_alpaca_fetch_account_reads_cash_equity_buying_power(fake, driver):
    account = await driver.fetch_account()

    assert (account.currency, account.cash, account.equity) == ("USD", D(100000), D(100000))
    assert account.buying_power == D(200000)


async def test_alpaca_fetch_account_with_a_position_counts_it_in_equity(fake, driver):
    fake.set_position(D(2))  # 2 AAPL, marked at the fake's price

    account = await driver.fetch_account()

    assert account.equity == D(100000) + 2 * fake.prices[fake.symbol]
