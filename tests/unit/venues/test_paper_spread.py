"""The paper venue trades at the quotes it shows: a buy at the ask, a sell at the bid.

With ``[marketdata] paper_spread_bps = 20`` XYZ at 100 quotes 99.90 / 100.10
(half of 20 bp of 100 each side); a feed's quote replaces that spread.
"""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.marketdata.quotes import FEED

SPREAD = {"paper_spread_bps": "20"}


async def test_paper_market_buy_with_a_spread_fills_at_the_ask(make_harness):
    h = await make_harness(marketdata=SPREAD)

    order = await h.submit_order(side=Side.BUY, quantity=1)

    assert h.fill_terms(order.order_id) == [(D(1), D("100.1"))]


async def test_paper_market_sell_with_a_spread_fills_at_the_bid(make_harness):
    h = await make_harness(marketdata=SPREAD)

    order = await h.submit_order(side=Side.SELL, quantity=1)

    assert h.fill_terms(order.order_id) == [(D(1), D("99.9"))]


async def test_paper_fill_prices_are_the_quotes_get_quotes_shows(make_harness):
    h = await make_harness(marketdata=SPREAD)
    quote = h.engine.state.quotes.quote("XYZ")

    buy = await h.submit_order(side=Side.BUY, quantity=1)
    sell = await h.submit_order(side=Side.SELL, quantity=1)

    assert quote is not None
    assert h.fill_terms(buy.order_id)[0][1] == quote.ask
    assert h.fill_terms(sell.order_id)[0][1] == quote.bid


async def test_paper_limit_buy_between_bid_and_ask_rests_until_the_ask_reaches_it(make_harness):
    h = await make_harness(marketdata=SPREAD)

    order = await h.submit_order(type=OrderType.LIMIT, side=Side.BUY, limit_price="100.05")
    assert order.state is OrderState.NEW  # the ask (100.10) is above the limit
    h.price("99.9")  # ask 99.9999...: at or below the limit now

    assert h.order(order.order_id).state is OrderState.FILLED
    assert h.fill_terms(order.order_id) == [(D(1), D("100.05"))]  # a resting limit: its price


async def test_paper_without_a_spread_fills_at_the_reference_price(make_harness):
    h = await make_harness()

    order = await h.submit_order(side=Side.BUY, quantity=1)

    assert h.fill_terms(order.order_id) == [(D(1), D(100))]


async def test_paper_feed_quote_fills_at_the_feeds_ask_not_the_configured_spread(make_harness):
    h = await make_harness(marketdata=SPREAD)
    h.engine.on_quote("XYZ", bid=D("104.5"), ask=D("105.5"), source=FEED)

    order = await h.submit_order(side=Side.BUY, quantity=1)

    assert h.fill_terms(order.order_id) == [(D(1), D("105.5"))]


async def test_paper_reference_move_after_a_feed_quote_goes_back_to_the_spread(make_harness):
    h = await make_harness(marketdata=SPREAD)
    h.engine.on_quote("XYZ", bid=D("104.5"), ask=D("105.5"), source=FEED)
    h.price("200")

    order = await h.submit_order(side=Side.SELL, quantity=1)

    assert h.fill_terms(order.order_id) == [(D(1), D("199.8"))]
