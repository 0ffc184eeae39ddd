"""Live quotes move the mark every check and every order uses (issue 12).

The reported defects: after the market moved, the slippage breaker compared
fills with the config's reference price ("1.418 ... expected 1.08462") and
the collar measured limit prices from it (PRICE_OUTSIDE_COLLAR ... from the
reference price 1.08462). Both now use the live mark.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import orjson
import pytest

from fillgate.app import build
from fillgate.domain import events as ev
from fillgate.domain.enums import OrderType
from fillgate.domain.errors import FailedPrecondition, InvalidArgument, NotFound
from fillgate.domain.values import ManualClock
from fillgate.engine.recovery import rebuild
from fillgate.journal.codec import decode, encode
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.marketdata.quotes import FEED, VENUE

SLIPPAGE = {"breakers": {"slippage": {"limit": "1"}}}


def trips(h) -> list[ev.BreakerTripped]:
    sub = h.engine.bus.subscribe(from_sequence=0)
    try:
        return [e.payload for e in sub.backlog if isinstance(e.payload, ev.BreakerTripped)]
    finally:
        sub.close()


async def test_engine_quotes_arrival_price_is_mid_at_acceptance(harness):
    harness.engine.on_quote("XYZ", bid=D(104), ask=D(106), source=VENUE)

    order = await harness.submit_order(type=OrderType.LIMIT, limit_price="90")

    assert order.arrival_price == D(105)


async def test_engine_quotes_arrival_price_without_feed_is_reference(harness):
    order = await harness.submit_order()

    assert order.arrival_price == D(100)


async def test_engine_quotes_slippage_after_market_moved_measures_from_live_mark(make_harness):
    # Defect: the breaker expected the config price (100) and tripped at 10 % "slippage".
    h = await make_harness(risk=SLIPPAGE)
    h.engine.on_quote("XYZ", bid=D("109.9"), ask=D("110.1"), source=FEED)  # paper follows

    order = await h.submit_order()

    assert h.order(order.order_id).average_fill_price == D("110.1")  # a buy takes the ask
    assert order.arrival_price == D(110)
    assert trips(h) == []


async def test_engine_quotes_collar_after_market_moved_measures_from_live_mark(make_harness):
    # Defect: PRICE_OUTSIDE_COLLAR "from the reference price" (the config's) for a sane limit.
    h = await make_harness(risk={"price_collar_pct": "1"})
    h.engine.on_quote("XYZ", bid=D("109.9"), ask=D("110.1"), source=VENUE)

    await h.submit_order(type=OrderType.LIMIT, limit_price="109.9")
    with pytest.raises(FailedPrecondition) as info:
        await h.submit(type=OrderType.LIMIT, limit_price="100")

    assert info.value.reason == "PRICE_OUTSIDE_COLLAR"
    assert info.value.metadata["reference_price"] == "110"


async def test_engine_quotes_mark_revalues_positions(harness):
    await harness.submit_order(quantity=2)  # filled at 100

    harness.engine.on_quote("XYZ", bid=D(104), ask=D(106), source=VENUE)

    position = harness.engine.book.position("acct-a", "XYZ")
    assert (position.mark, position.unrealized_pnl) == (D(105), D(10))  # type: ignore[union-attr]
    assert harness.engine.mark("XYZ").mark == D(105)


@pytest.mark.parametrize(
    ("bid", "ask", "field"),
    [("101", "99", "bid"), ("0", "99", "bid"), (None, None, "bid"), ("99", "-1", "ask")],
)
async def test_engine_quotes_bad_quote_invalid_argument_state_untouched(harness, bid, ask, field):
    before = harness.engine.mark("XYZ")

    with pytest.raises(InvalidArgument) as info:
        harness.engine.on_quote(
            "XYZ", bid=None if bid is None else D(bid), ask=None if ask is None else D(ask)
        )

    assert field in info.value.metadata["fields"]
    assert harness.engine.mark("XYZ") is before


async def test_engine_quotes_unknown_symbol_mark_not_found(harness):
    with pytest.raises(NotFound):
        harness.engine.mark("NOPE")


async def test_engine_quotes_restart_restores_mark_as_aging_journal_quote(
    make_harness, tmp_path: Path
):
    h = await make_harness(journal=tmp_path / "j.log", marketdata={"max_quote_age_s": 10})
    await h.submit_order()
    h.engine.on_quote("XYZ", bid=D(104), ask=D(106), source=VENUE)
    await h.engine.durable()
    await h.engine.journal.close()

    journal = Journal(tmp_path / "j.log", FsyncPolicy.NEVER)
    engine = build(h.parts.config, ManualClock(), journal).engine
    rebuild(engine, journal, snapshots=False)
    await journal.close()

    quote = engine.mark("XYZ")
    assert (quote.mark, quote.source) == (D(105), "journal")
    assert engine.book.position("acct-a", "XYZ").mark == D(105)  # type: ignore[union-attr]


def test_engine_quotes_accepted_record_round_trips_arrival_price():
    from fillgate.domain.enums import OrderType as T
    from fillgate.domain.enums import Side, TimeInForce
    from fillgate.domain.orders import Order

    order = Order(
        order_id="o1",
        client_order_id="c1",
        account="a",
        symbol="XYZ",
        side=Side.BUY,
        type=T.MARKET,
        time_in_force=TimeInForce.GTC,
        quantity=D(1),
        created_ns=5,
        updated_ns=5,
        arrival_price=D("1.084615"),
    )
    event = ev.OrderAccepted(order_id="o1", ts_ns=5, order=order)

    body = encode(event, 1)
    row = orjson.loads(body)
    old = orjson.dumps(row[:-1])  # a record written before arrival prices existed

    assert row[-1] == {"md.arrival_price": "1.084615"}
    assert decode(body).event.order == order
    assert decode(old).event.order.arrival_price is None


async def test_engine_quotes_arrival_price_is_mid_even_when_mark_is_last(make_harness):
    h = await make_harness(marketdata={"mark": "last"})
    h.engine.on_quote("XYZ", bid=D(104), ask=D(106), last=D("104.5"), source=VENUE)

    order = await h.submit_order(type=OrderType.LIMIT, limit_price="90")

    assert (h.engine.mark("XYZ").mark, order.arrival_price) == (D("104.5"), D(105))
