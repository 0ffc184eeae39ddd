"""Binance's own order, fill and event payloads (``order['info']``) to venue values.

ccxt's unified fields are floats; the raw ``info`` keeps the venue's decimal
strings, so every quantity, price and fee here is parsed from those. Three
shapes matter:

- a REST order (POST/GET/DELETE ``/api/v3/order``, ``openOrders``); the POST
  ``FULL`` answer adds ``fills`` (all of the new order's executions so far);
- a ``myTrades`` row (no client order id; the side comes from ``isBuyer``);
- a user-data ``executionReport`` (one-letter keys, one execution each).

On a cancel Binance gives the *cancel request's* id as ``clientOrderId`` / ``c``
and the order's own as ``origClientOrderId`` / ``C``: the latter is ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ccxt.base.errors import BadResponse

from fillgate.domain.enums import Side
from fillgate.domain.values import ZERO, fmt, ratio
from fillgate.venues.types import VenueFill, VenueOrder, VenueStatus

_STATUS: Mapping[str, VenueStatus] = {
    "PENDING_NEW": VenueStatus.PENDING,
    "NEW": VenueStatus.NEW,
    "PARTIALLY_FILLED": VenueStatus.PARTIALLY_FILLED,
    "FILLED": VenueStatus.FILLED,
    "CANCELED": VenueStatus.CANCELED,
    "REJECTED": VenueStatus.REJECTED,
    "EXPIRED": VenueStatus.EXPIRED,
    "EXPIRED_IN_MATCH": VenueStatus.EXPIRED,  # expired by self-trade prevention
}
_NS_PER_MS = 1_000_000

Info = Mapping[str, Any]


def dec(value: object) -> Decimal:
    """Parse a venue decimal (normally a string) without trailing zeros."""
    if isinstance(value, bool) or value is None:
        raise BadResponse(f"expected a decimal, got {value!r}")
    return Decimal(fmt(Decimal(str(value))))


def opt_dec(value: object) -> Decimal | None:
    """Like :func:`dec`, but None for a missing or zero value (Binance's "no price")."""
    if value is None or value == "":
        return None
    parsed = dec(value)
    return parsed if parsed else None


def side(text: object) -> Side:
    if text == "BUY":
        return Side.BUY
    if text == "SELL":
        return Side.SELL
    raise BadResponse(f"unknown order side {text!r}")


def status(text: object, filled: Decimal) -> VenueStatus:
    # PENDING_CANCEL is documented as unused; should it appear the order still works.
    if text == "PENDING_CANCEL":
        return VenueStatus.PARTIALLY_FILLED if filled else VenueStatus.NEW
    found = _STATUS.get(str(text))
    if found is None:
        raise BadResponse(f"unknown order status {text!r}")
    return found


def _ns(ms: object) -> int:
    return int(str(ms)) * _NS_PER_MS if ms not in (None, "") else 0


def _average(quote: object, filled: Decimal) -> Decimal | None:
    if not filled or quote in (None, ""):
        return None
    return Decimal(fmt(ratio(dec(quote), filled)))


def rest_order(info: Info, symbol: str) -> VenueOrder:
    """An order from a REST answer; ``symbol`` is ours."""
    filled = dec(info.get("executedQty", "0"))
    stamp = info.get("updateTime") or info.get("transactTime") or info.get("time")
    return VenueOrder(
        client_id=str(info.get("origClientOrderId") or info.get("clientOrderId") or ""),
        venue_order_id=str(info["orderId"]),
        symbol=symbol,
        side=side(info.get("side")),
        status=status(info.get("status"), filled),
        quantity=dec(info["origQty"]),
        filled_quantity=filled,
        average_price=_average(info.get("cummulativeQuoteQty"), filled),
        limit_price=opt_dec(info.get("price")),
        stop_price=opt_dec(info.get("stopPrice")),
        ts_ns=_ns(stamp),
    )


def rest_fills(info: Info, order: VenueOrder) -> tuple[VenueFill, ...]:
    """The ``fills`` of a new order's FULL answer, with running cumulative quantities.

    They are all of the order's executions so far, so the prefix sum is exact.
    """
    fills = []
    cumulative = ZERO
    for row in info.get("fills") or ():
        quantity = dec(row["qty"])
        cumulative += quantity
        fills.append(
            VenueFill(
                client_id=order.client_id,
                venue_order_id=order.venue_order_id,
                trade_id=str(row["tradeId"]),
                symbol=order.symbol,
                side=order.side,
                quantity=quantity,
                price=dec(row["price"]),
                fee=dec(row.get("commission", "0")),
                cumulative=cumulative,
                ts_ns=order.ts_ns,
            )
        )
    return tuple(fills)


def trade_fill(row: Info, symbol: str, client_id: str = "") -> VenueFill:
    """One ``myTrades`` row; it carries no client order id."""
    return VenueFill(
        client_id=client_id,
        venue_order_id=str(row["orderId"]),
        trade_id=str(row["id"]),
        symbol=symbol,
        side=Side.BUY if row.get("isBuyer") else Side.SELL,
        quantity=dec(row["qty"]),
        price=dec(row["price"]),
        fee=dec(row.get("commission", "0")),
        ts_ns=_ns(row.get("time")),
    )


def with_cumulative(fills: list[VenueFill]) -> list[VenueFill]:
    """Add running cumulative quantities to *all* of one order's fills (sorted by trade id)."""
    out = []
    cumulative = ZERO
    for fill in sorted(fills, key=lambda f: int(f.trade_id)):
        cumulative += fill.quantity
        out.append(
            VenueFill(
                client_id=fill.client_id,
                venue_order_id=fill.venue_order_id,
                trade_id=fill.trade_id,
                symbol=fill.symbol,
                side=fill.side,
                quantity=fill.quantity,
                price=fill.price,
                fee=fill.fee,
                cumulative=cumulative,
                ts_ns=fill.ts_ns,
            )
        )
    return out


def event_order(event: Info, symbol: str) -> VenueOrder:
    """The order's state after one ``executionReport``."""
    filled = dec(event.get("z", "0"))
    reason = str(event.get("r") or "")
    return VenueOrder(
        client_id=str(event.get("C") or event.get("c") or ""),
        venue_order_id=str(event["i"]),
        symbol=symbol,
        side=side(event.get("S")),
        status=status(event.get("X"), filled),
        quantity=dec(event["q"]),
        filled_quantity=filled,
        average_price=_average(event.get("Z"), filled),
        limit_price=opt_dec(event.get("p")),
        stop_price=opt_dec(event.get("P")),
        reason="" if reason == "NONE" else reason,
        ts_ns=_ns(event.get("E") or event.get("T")),
    )


def event_fill(event: Info, order: VenueOrder) -> VenueFill:
    """The execution an ``x=TRADE`` report describes; ``z`` is the order's cumulative."""
    return VenueFill(
        client_id=order.client_id,
        venue_order_id=order.venue_order_id,
        trade_id=str(event["t"]),
        symbol=order.symbol,
        side=order.side,
        quantity=dec(event["l"]),
        price=dec(event["L"]),
        fee=dec(event.get("n") or "0"),
        cumulative=order.filled_quantity,
        ts_ns=_ns(event.get("T") or event.get("E")),
    )
