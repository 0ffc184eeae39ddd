"""What the Binance tests of exits that ride on the entry share (test_ccxt_oto.py, OTO: a
lone stop; test_ccxt_otoco.py, OTOCO: a stop and a take-profit): the venue's view of
the orders and the list, and a resting LIMIT entry."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl

from fakes.binance import FakeBinance
from fakes.binance_book import Order as VenueOrder
from fakes.gateway import ACCOUNT, Gateway, buy_entry, eventually

from fillgate.contingent.spec import BracketSpec
from fillgate.domain.commands import CancelOrder, OrderRef
from fillgate.domain.enums import OrderState
from fillgate.venues.runtime.client_ids import venue_client_id

QTY = Decimal("0.01")
ENTRY = Decimal("49000")  # a buy limit resting below the fake's 50000


def venue_id(gw: Gateway, client_order_id: str, version: int = 0) -> str:
    """The client id Binance knows an order by."""
    assert gw.parts is not None
    rule = gw.parts.engine.venues[ACCOUNT].driver.client_ids  # type: ignore[attr-defined]
    return venue_client_id(rule, ACCOUNT, client_order_id, version)


def list_posts(fake: FakeBinance, path: str) -> list[dict[str, str]]:
    """The parameters of every request to ``path`` (an ``orderList/...`` endpoint)."""
    return [dict(parse_qsl(r.params)) for r in fake.requests if r.path == path]


def posts(fake: FakeBinance, path: str) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == path)


def working_stops(fake: FakeBinance) -> list[VenueOrder]:
    return [o for o in fake.book.orders if o.type == "STOP_LOSS" and o.is_open]


async def resting(gw: Gateway, client_order_id: str, spec: BracketSpec) -> str:
    """The list id of a bracket whose LIMIT entry at ``ENTRY`` rests at the venue."""
    assert gw.parts is not None
    entry = buy_entry("BTC-USD", QTY, client_order_id, ENTRY)
    list_id = (await gw.parts.brackets.submit(entry, spec)).list_id
    await gw.until(list_id, OrderState.NEW)
    return list_id


async def partly_filled_then_canceled(
    gw: Gateway, list_id: str, client_order_id: str
) -> VenueOrder:
    """Fill half the resting entry, cancel the rest; wait until the first stop member is
    bound to the list's ended leg (CANCELED) and one stop works again for what filled.
    Return that working stop."""
    assert gw.parts is not None
    half = QTY / 2
    gw.fake.fill(venue_id(gw, client_order_id), half, ENTRY)
    await eventually(lambda: gw.order(list_id).filled_quantity == half)

    await gw.parts.engine.cancel(CancelOrder(ref=OrderRef(order_id=list_id)))

    await gw.until(list_id, OrderState.CANCELED)
    await eventually(lambda: gw.member(list_id, "sl") is not None)
    first = gw.member(list_id, "sl")
    assert first is not None
    await gw.until(first.order_id, OrderState.CANCELED)  # bound to the ended leg
    await eventually(lambda: len(working_stops(gw.fake)) == 1)
    await gw.parts.brackets.settle()
    (stop,) = working_stops(gw.fake)
    return stop
