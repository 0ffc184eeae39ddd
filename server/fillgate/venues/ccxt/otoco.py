"""Binance spot OTOCO and OTO order lists: a bracket's exits sent WITH its entry (issue 13).

``POST /api/v3/orderList/otoco`` (ccxt's implicit ``private_post_orderlist_otoco``)
places three orders as one list: the *working* order (here the bracket's LIMIT
GTC entry) and a *pending* OCO pair of the opposite side for the same quantity
(the take-profit ``LIMIT_MAKER`` and the stop ``STOP_LOSS``). Only the working
order is on the book at first; the pending pair has status ``PENDING_NEW`` and
Binance puts it on the book only once the working order is FULLY filled, fillgate
up or not. From then on it is an ordinary OCO list: when one leg trades the other
is EXPIRED. Canceling the working order ends the whole list (the pending pair
never works), so canceling or replacing the entry needs nothing more from fillgate.

All three orders carry OUR client ids: the entry's own, and for the pending legs
those of the bracket members they become (``EntryProtection``), so after the fill
:func:`entry_leg` finds each by its client id (see ``venues/runtime/with_entry.py``).

What fits (:func:`fits`): a LIMIT GTC entry with a take-profit price and a FIXED stop
price (both known at submit). A market entry, a stop at an offset from the fill,
a trailed stop, a stop-limit or a ladder keep the exits armed after the fill, as
before (one native OCO list then). While the entry is partly filled the pending
pair waits, so those filled coins have no venue-held stop until the entry is done.

A bracket with a fixed stop and NO take-profit goes as an OTO list instead
(``POST /api/v3/orderList/oto``, ccxt's ``private_post_orderlist_oto``): the same
LIMIT GTC working order and ONE pending ``STOP_LOSS`` under the stop member's client
id, put on the book once the working order is fully filled; it then works alone.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from ccxt.base.errors import BadResponse, InvalidOrder

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import fmt
from fillgate.venues.ccxt import translate
from fillgate.venues.types import (
    EntryProtection,
    PlaceRequest,
    VenueOrder,
    VenueRef,
    VenueReport,
    VenueStatus,
)

#: Binance ``listClientOrderId``: ``^[.A-Z:/a-z0-9_-]{1,36}$``, unique per open list.
_LIST_ID_PREFIX = "oto-"


class OtocoHost(Protocol):
    """What the OTOCO calls need from the driver."""

    def venue_symbol(self, symbol: str) -> str: ...

    def exchange(self) -> Any: ...

    async def _rest(self, method: str, *args: Any) -> Any: ...

    async def fetch_order(self, symbol: str, client_id: str) -> VenueReport | None: ...

    async def cancel(self, ref: VenueRef) -> VenueReport | None: ...


def fits(entry: OrderType, tif: TimeInForce, exits: EntryProtection) -> bool:
    """True when Binance takes ``exits`` with this entry as one OTOCO list (a take-profit
    price and a fixed stop price) or OTO list (a fixed stop price alone), on a LIMIT GTC
    working order."""
    fixed = exits.stop_price is not None
    return fixed and entry is OrderType.LIMIT and tif is TimeInForce.GTC


def list_client_id(entry_client_id: str) -> str:
    """The list's client id: derived from the entry's, short enough for Binance."""
    digest = hashlib.sha256(entry_client_id.encode()).hexdigest()[:32]
    return _LIST_ID_PREFIX + digest


def _working(market_id: str, entry: PlaceRequest) -> dict[str, str]:
    """The list's own and its working order's fields (and the pending side and quantity),
    shared by OTOCO and OTO."""
    exits = entry.protection
    if exits is None or exits.stop_price is None or entry.limit_price is None:
        raise InvalidOrder("an OTO/OTOCO needs the entry's limit price and a stop")
    if not fits(entry.type, entry.time_in_force, exits):
        raise InvalidOrder("an OTO/OTOCO's working order is a LIMIT GTC entry, a fixed stop")
    buy = entry.side is Side.BUY
    quantity = fmt(entry.quantity)
    return {
        "symbol": market_id,
        "listClientOrderId": list_client_id(entry.client_id),
        "newOrderRespType": "FULL",
        "workingType": "LIMIT",
        "workingSide": "BUY" if buy else "SELL",
        "workingClientOrderId": entry.client_id,
        "workingPrice": fmt(entry.limit_price),
        "workingQuantity": quantity,
        "workingTimeInForce": "GTC",
        "pendingSide": "SELL" if buy else "BUY",
        "pendingQuantity": quantity,
    }


def oto_params(market_id: str, entry: PlaceRequest) -> dict[str, str]:
    """The ``orderList/oto`` request for a LIMIT entry carrying its stop alone."""
    params = _working(market_id, entry)
    exits = entry.protection
    assert exits is not None and exits.stop_price is not None
    if exits.take_profit_price is not None:
        raise InvalidOrder("an OTO carries the stop alone: a take-profit goes as an OTOCO")
    return params | {
        "pendingType": "STOP_LOSS",
        "pendingClientOrderId": exits.stop_client_id,
        "pendingStopPrice": fmt(exits.stop_price),
    }


def otoco_params(market_id: str, entry: PlaceRequest) -> dict[str, str]:
    """The ``orderList/otoco`` request for a LIMIT entry carrying its exits."""
    params = _working(market_id, entry)
    exits = entry.protection
    assert exits is not None and exits.stop_price is not None
    if exits.take_profit_price is None:
        raise InvalidOrder("an OTOCO needs a take-profit: a stop alone goes as an OTO")
    buy = entry.side is Side.BUY
    target = {
        "Type": "LIMIT_MAKER",
        "ClientOrderId": exits.take_profit_client_id,
        "Price": fmt(exits.take_profit_price),
    }
    stop = {
        "Type": "STOP_LOSS",
        "ClientOrderId": exits.stop_client_id,
        "StopPrice": fmt(exits.stop_price),
    }
    # A long's exits sell: the take-profit above, the stop below; a short's mirror it.
    above, below = (target, stop) if buy else (stop, target)
    params |= {f"pendingAbove{k}": v for k, v in above.items()}
    params |= {f"pendingBelow{k}": v for k, v in below.items()}
    return params


async def place_otoco(host: OtocoHost, entry: PlaceRequest) -> VenueReport:
    """Place the entry and its pending exits as one list (OTOCO; OTO for a stop alone);
    the entry's report."""
    market_id = host.exchange().market_id(host.venue_symbol(entry.symbol))
    alone = entry.protection is not None and entry.protection.take_profit_price is None
    if alone:
        method, params = "private_post_orderlist_oto", oto_params(market_id, entry)
    else:
        method, params = "private_post_orderlist_otoco", otoco_params(market_id, entry)
    answer = await host._rest(method, params)
    reports = {str(r.get("clientOrderId")): r for r in (answer or {}).get("orderReports") or ()}
    info = reports.get(entry.client_id)
    if info is None:
        raise BadResponse(f"the order list answer has no working order {entry.client_id!r}")
    order = translate.rest_order(info, entry.symbol)
    return VenueReport(order=order, fills=translate.rest_fills(info, order))


async def entry_leg(host: OtocoHost, member: PlaceRequest) -> VenueOrder | None:
    """The OTOCO (or OTO) leg ``member`` binds to, found by the member's client id; None when
    there is none (or it still waits, ``PENDING_NEW``).

    A leg of the member's side and quantity is bound as it is (working, or done while
    fillgate was down). A leg that does not fit (the entry filled only in part and was
    then canceled, which ended the list with its legs unfilled) is bound too, canceled
    first if it still works: the member then ends as that leg did, and the bracket arms
    its exits again under new client ids (one native OCO list), never beside it nor
    under the client id the venue already used for the list's leg."""
    report = await host.fetch_order(member.symbol, member.client_id)
    leg = None if report is None else report.order
    if leg is None or leg.status is VenueStatus.PENDING:
        return None
    if leg.side is member.side and leg.quantity == member.quantity:
        return leg
    if not leg.status.is_terminal:
        ref = VenueRef(
            client_id=leg.client_id, venue_order_id=leg.venue_order_id, symbol=leg.symbol
        )
        canceled = await host.cancel(ref)
        if canceled is not None and canceled.order is not None:
            return canceled.order
    return leg
