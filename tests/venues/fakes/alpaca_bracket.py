"""Bracket orders of the fake Alpaca (``order_class=bracket``), as Alpaca documents them.

The parent is the entry (market or limit, DAY or GTC); ``take_profit.limit_price`` and
``stop_loss.stop_price`` become two legs of the opposite side and the parent's quantity,
each with a client id Alpaca makes up. The legs are ``held`` (listed, not working, no
stream events) until the parent is filled completely; then both become ``new`` and work
as an OCO pair (one filled, the other is canceled). Canceling a parent that has not
filled cancels its held legs with it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fakes.alpaca_book import Order

HELD = "held"


def make(parent: Order, body: dict[str, Any]) -> str:
    """Give ``parent`` its two held legs; a problem text when the request is not a bracket."""
    take_profit, stop_loss = body.get("take_profit"), body.get("stop_loss")
    if parent.type not in ("market", "limit") or parent.time_in_force not in ("day", "gtc"):
        return "bracket orders require type market or limit, time_in_force day or gtc"
    if not isinstance(take_profit, dict) or "limit_price" not in take_profit:
        return "bracket orders require take_profit.limit_price"
    if not isinstance(stop_loss, dict) or "stop_price" not in stop_loss:
        return "bracket orders require stop_loss.stop_price"
    side = "sell" if parent.side == "buy" else "buy"

    def leg(kind: str, limit: Any, stop: Any) -> Order:
        return Order(
            parent.symbol, side, kind, parent.time_in_force, parent.qty, str(uuid.uuid4()),
            Decimal(str(limit)) if limit is not None else None,
            Decimal(str(stop)) if stop is not None else None,
            status=HELD, order_class="bracket",
        )  # fmt: skip

    target = leg("limit", take_profit["limit_price"], None)
    stop = leg("stop", None, stop_loss["stop_price"])
    target.partner, stop.partner = stop.id, target.id
    parent.order_class = "bracket"
    parent.legs = [target, stop]
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
