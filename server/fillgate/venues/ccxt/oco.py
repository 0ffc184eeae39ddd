"""Binance spot OCO order lists: a bracket's take-profit and stop as ONE venue order list.

``POST /api/v3/orderList/oco`` (ccxt's implicit ``private_post_orderlist_oco``)
places two orders of one side and one quantity that Binance ties together:
once either executes (fully or partly) the other is EXPIRED in the same
instant, and canceling either cancels the list. For a sell exit the
take-profit is the ``above`` leg (``LIMIT_MAKER``) and the stop the ``below``
leg (``STOP_LOSS``, a market order once triggered, or ``STOP_LOSS_LIMIT`` for a
stop-limit: a GTC limit at its price once triggered; for a percent trail a
``trailingDelta`` in basis points instead of a stop price, so Binance trails it);
a buy exit mirrors it
(stop above, take-profit below). The list locks the balance it sells ONCE,
so on spot a stop and a take-profit can rest together only this way.

Both legs carry OUR client ids (``aboveClientOrderId`` / ``belowClientOrderId``):
unlike Alpaca's OCO leg, the stop is found, streamed (``executionReport`` with
``g`` = the orderListId) and bound across a restart by its client id like any
order, so no ``oco_leg`` lookup is needed.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, Protocol

from ccxt.base.errors import BadResponse, InvalidOrder

from fillgate.domain.enums import Side
from fillgate.domain.values import fmt
from fillgate.venues.ccxt import translate
from fillgate.venues.types import PlaceRequest, VenueOrder, VenueReport

#: Binance ``listClientOrderId``: ``^[.A-Z:/a-z0-9_-]{1,36}$``, unique per list.
_LIST_ID_PREFIX = "oco-"


class OcoHost(Protocol):
    """What the OCO calls need from the driver."""

    def venue_symbol(self, symbol: str) -> str: ...

    def exchange(self) -> Any: ...

    async def _rest(self, method: str, *args: Any) -> Any: ...


def trail_bips(percent: Decimal) -> int:
    """A trail percent as Binance's ``trailingDelta`` (basis points); InvalidOrder unless whole."""
    bips = percent * 100
    if bips != bips.to_integral_value() or bips < 1:
        raise InvalidOrder(f"Binance trails by whole basis points, not {fmt(percent)} %")
    return int(bips)


def list_client_id(take_profit_client_id: str) -> str:
    """The list's client id: derived from the take-profit's, short enough for Binance."""
    digest = hashlib.sha256(take_profit_client_id.encode()).hexdigest()[:32]
    return _LIST_ID_PREFIX + digest


def oco_params(market_id: str, take_profit: PlaceRequest, stop: PlaceRequest) -> dict[str, str]:
    """The ``orderList/oco`` request for one take-profit limit and one stop."""
    if take_profit.limit_price is None or stop.stop_price is None:
        raise InvalidOrder("an OCO needs the take-profit's limit price and the stop price")
    if take_profit.side is not stop.side or take_profit.quantity != stop.quantity:
        raise InvalidOrder("the two legs of an OCO share one side and one quantity")
    limit = {
        "Type": "LIMIT_MAKER",
        "ClientOrderId": take_profit.client_id,
        "Price": fmt(take_profit.limit_price),
    }
    loss = {
        "Type": "STOP_LOSS",
        "ClientOrderId": stop.client_id,
        "StopPrice": fmt(stop.stop_price),
    }
    if stop.limit_price is not None:  # a stop-limit: a GTC limit at its price once triggered
        loss |= {"Type": "STOP_LOSS_LIMIT", "Price": fmt(stop.limit_price), "TimeInForce": "GTC"}
    if stop.trail_percent is not None:  # trailed by Binance: no stop price, a delta
        del loss["StopPrice"]
        loss["TrailingDelta"] = str(trail_bips(stop.trail_percent))
    sell = take_profit.side is Side.SELL
    above, below = (limit, loss) if sell else (loss, limit)
    params = {
        "symbol": market_id,
        "side": "SELL" if sell else "BUY",
        "quantity": fmt(take_profit.quantity),
        "listClientOrderId": list_client_id(take_profit.client_id),
        "newOrderRespType": "FULL",
    }
    params |= {f"above{k}": v for k, v in above.items()}
    params |= {f"below{k}": v for k, v in below.items()}
    return params


async def place_oco(
    host: OcoHost, take_profit: PlaceRequest, stop: PlaceRequest
) -> tuple[VenueReport, VenueOrder | None]:
    """Place the pair as one order list; the take-profit's report and the stop leg."""
    market_id = host.exchange().market_id(host.venue_symbol(take_profit.symbol))
    answer = await host._rest(
        "private_post_orderlist_oco", oco_params(market_id, take_profit, stop)
    )
    reports = {str(r.get("clientOrderId")): r for r in (answer or {}).get("orderReports") or ()}
    tp_info = reports.get(take_profit.client_id)
    if tp_info is None:
        raise BadResponse(f"the OCO answer lists no take-profit {take_profit.client_id!r}")
    tp_order = translate.rest_order(tp_info, take_profit.symbol)
    sl_info = reports.get(stop.client_id)
    sl_order = None if sl_info is None else translate.rest_order(sl_info, stop.symbol)
    return VenueReport(order=tp_order, fills=translate.rest_fills(tp_info, tp_order)), sl_order
