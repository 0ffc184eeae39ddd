"""What the Alpaca driver sends: alpaca-py's order request models built from a PlaceRequest.

alpaca-py sends prices and quantities as floats, so each Decimal goes through
:func:`to_float`, which refuses (REJECTED, nothing sent) a value the float
would alter.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.venues.alpaca import bracket, translate
from fillgate.venues.alpaca.sdk import (
    AlpacaTimeInForce,
    LimitOrderRequest,
    MarketOrderRequest,
    OrderClass,
    OrderSide,
    StopLimitOrderRequest,
    StopLossRequest,
    StopOrderRequest,
    TakeProfitRequest,
    TrailingStopOrderRequest,
)
from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.types import PlaceRequest

_SIDES = {Side.BUY: OrderSide.BUY, Side.SELL: OrderSide.SELL}
_TIME_IN_FORCE = {
    TimeInForce.GTC: AlpacaTimeInForce.GTC,
    TimeInForce.IOC: AlpacaTimeInForce.IOC,
    TimeInForce.FOK: AlpacaTimeInForce.FOK,
    TimeInForce.DAY: AlpacaTimeInForce.DAY,
}
_ORDER_MODELS: Mapping[OrderType, Any] = {
    OrderType.MARKET: MarketOrderRequest,
    OrderType.LIMIT: LimitOrderRequest,
    OrderType.STOP: StopOrderRequest,
    OrderType.STOP_LIMIT: StopLimitOrderRequest,
}


def place_model(request: PlaceRequest, symbols: translate.SymbolMap) -> Any:
    """The model POST /v2/orders sends for ``request``."""
    if request.trail_amount is not None or request.trail_percent is not None:
        return TrailingStopOrderRequest(**_trail_fields(request, symbols))
    if request.protection is not None:  # the entry of a bracket: its exits ride on it
        fields = _fields(request, symbols) | bracket.fields(request.protection, to_float)
        return _ORDER_MODELS[request.type](**fields)
    return _ORDER_MODELS[request.type](**_fields(request, symbols))


def oco_model(
    take_profit: PlaceRequest, stop: PlaceRequest, symbols: translate.SymbolMap
) -> LimitOrderRequest:
    """A take-profit limit and a stop as ONE order (order_class oco), the take-profit the
    parent."""
    assert take_profit.limit_price is not None and stop.stop_price is not None
    tp = TakeProfitRequest(limit_price=to_float("limit price", take_profit.limit_price))
    sl = StopLossRequest(stop_price=to_float("stop price", stop.stop_price))
    fields = _fields(take_profit, symbols)
    return LimitOrderRequest(**fields, order_class=OrderClass.OCO, take_profit=tp, stop_loss=sl)


def replace_fields(request: PlaceRequest) -> dict[str, Any]:
    """What a replace (PATCH /v2/orders/{id}) changes, but the quantity."""
    fields: dict[str, Any] = {"client_order_id": request.client_id}
    if request.type.needs_limit and request.limit_price is not None:
        fields["limit_price"] = to_float("limit price", request.limit_price)
    trail = request.trail_amount if request.trail_amount is not None else request.trail_percent
    if trail is not None:  # a trailing stop keeps trailing: its trail, never a stop price
        fields["trail"] = to_float("trail", trail)
    elif request.type.needs_stop and request.stop_price is not None:
        fields["stop_price"] = to_float("stop price", request.stop_price)
    return fields


def _fields(request: PlaceRequest, symbols: translate.SymbolMap) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "symbol": symbols.venue(request.symbol),
        "qty": to_float("quantity", request.quantity),
        "side": _SIDES[request.side],
        "time_in_force": _TIME_IN_FORCE[request.time_in_force],
        "client_order_id": request.client_id,
    }
    if request.type.needs_limit and request.limit_price is not None:
        fields["limit_price"] = to_float("limit price", request.limit_price)
    if request.type.needs_stop and request.stop_price is not None:
        fields["stop_price"] = to_float("stop price", request.stop_price)
    if request.extended_hours:  # fillgate checked Alpaca's rule: LIMIT + DAY
        fields["extended_hours"] = True
    return fields


def _trail_fields(request: PlaceRequest, symbols: translate.SymbolMap) -> dict[str, Any]:
    """A trailing stop's fields: Alpaca sets its stop from the price now (hwm)."""
    fields = _fields(request, symbols)
    fields.pop("stop_price", None)
    if request.trail_amount is not None:
        fields["trail_price"] = to_float("trail price", request.trail_amount)
    else:
        assert request.trail_percent is not None
        fields["trail_percent"] = to_float("trail percent", request.trail_percent)
    return fields


def to_float(what: str, value: Decimal) -> float:
    """The float alpaca-py will send; refuse (REJECTED, nothing sent) when it is not exact."""
    try:
        return translate.to_float(value)
    except ValueError:
        raise VenueFailure(
            ErrorKind.REJECTED,
            f"{what} {value} has more than {translate.FLOAT_DIGITS} significant digits "
            "and would be altered by alpaca-py's float",
            code="precision",
        ) from None
