"""Bracket orders of the fake Alpaca (``order_class=bracket``), as Alpaca documents them.

The parent is the entry (market or limit, DAY or GTC); ``take_profit.limit_price`` and
``stop_loss.stop_price`` become two legs of the opposite side and the parent's quantity,
each with a client id Alpaca makes up. The legs are ``held`` (listed, not working, no
stream events) until the parent is filled completely; then both become ``new`` and work
as an OCO pair (one filled, the other is canceled). Canceling a parent that has not
filled cancels its held legs with it.

OTO orders (``order_class=oto``, One-Triggers-Other) are the same with exactly ONE of
``take_profit`` / ``stop_loss``: one held leg, working alone once the parent filled.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fakes.alpaca_book import Order

HELD = "held"


def make(parent: Order, body: dict[str, Any]) -> str:
    """Give ``parent`` its held legs (two for a bracket, one for an OTO); a problem text
    when the request is not one."""
    take_profit, stop_loss = body.get("take_profit"), body.get("stop_loss")
    kind = str(body.get("order_class"))
    if parent.type not in ("market", "limit") or parent.time_in_force not in ("day", "gtc"):
        return f"{kind} orders require type market or limit, time_in_force day or gtc"
    has_target = isinstance(take_profit, dict) and "limit_price" in take_profit
    has_stop = isinstance(stop_loss, dict) and "stop_price" in stop_loss
    if kind == "oto" and has_target == has_stop:
        return "oto orders require either take_profit or stop_loss"
    if kind == "bracket" and not has_target:
        return "bracket orders require take_profit.limit_price"
    if kind == "bracket" and not has_stop:
        return "bracket orders require stop_loss.stop_price"
    side = "sell" if parent.side == "buy" else "buy"

    def leg(kind: str, limit: Any, stop: Any) -> Order:
        return Order(
            parent.symbol, side, kind, parent.time_in_force, parent.qty, str(uuid.uuid4()),
            Decimal(str(limit)) if limit is not None else None,
            Decimal(str(stop)) if stop is not None else None,
            status=HELD, order_class=kind,
        )  # fmt: skip

    legs = []
    if has_target:
        assert isinstance(take_profit, dict)
        legs.append(leg("limit", take_profit["limit_price"], None))
    if has_stop:
        assert isinstance(stop_loss, dict)
        legs.append(leg("stop", None, stop_loss["stop_price"]))
    if len(legs) == 2:  # a bracket's legs are an OCO pair
        legs[0].partner, legs[1].partner = legs[1].id, legs[0].id
    parent.order_class = kind
    parent.legs = legs
    return ""


def release(parent: Order) -> list[Order]:
    """The held legs of ``parent`` once it is filled completely, now working (``new``)."""
    if parent.status != "filled":
        return []
    released = [leg for leg in parent.legs if leg.status == HELD]
    for leg in released:
        leg.touch("new")
    return released


def held_legs(parent: Order) -> list[Order]:
    """The legs still held (canceled with a parent that has not filled)."""
    return [leg for leg in parent.legs if leg.status == HELD]
