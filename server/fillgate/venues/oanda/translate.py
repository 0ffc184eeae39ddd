"""Translate between fillgate's venue values and OANDA v20 JSON.

Pure functions, no I/O. OANDA sends every number as a string; they are
parsed with ``Decimal(str)`` only, and requests are formatted from
``Decimal`` with ``format(x, "f")`` (never through float, which is what
contrib ``PriceValue`` does, and never ``str``, which can give "1E+3").
Malformed venue JSON raises :class:`~.errors.OandaResponseError` (never a
bare KeyError, which classify reserves for an unknown environment).
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import ZERO
from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.oanda.errors import OandaResponseError
from fillgate.venues.types import (
    EntryProtection,
    Instrument,
    PlaceRequest,
    VenueAccount,
    VenueBalance,
    VenueFill,
    VenuePosition,
    VenueQuote,
)

Json = dict[str, Any]
P = ParamSpec("P")
R = TypeVar("R")

# Our time in force -> OANDA's, per order type. A market order is filled or
# killed at once: GTC/DAY mean the default, FOK. Stops rest, so only GTC/GFD.
_MARKET_TIF = {
    TimeInForce.GTC: "FOK",
    TimeInForce.DAY: "FOK",
    TimeInForce.FOK: "FOK",
    TimeInForce.IOC: "IOC",
}
_LIMIT_TIF = {
    TimeInForce.GTC: "GTC",
    TimeInForce.DAY: "GFD",
    TimeInForce.FOK: "FOK",
    TimeInForce.IOC: "IOC",
}
_STOP_TIF = {TimeInForce.GTC: "GTC", TimeInForce.DAY: "GFD"}


def reads_venue(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a parsing failure inside ``fn`` into :class:`OandaResponseError`."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
            raise OandaResponseError(f"unexpected OANDA answer in {fn.__name__}: {exc!r}") from exc

    return wrapper


class SymbolMap:
    """Our symbols <-> OANDA instruments: the configured map, else "EUR-USD" <-> "EUR_USD"."""

    def __init__(self, symbols: Mapping[str, str]) -> None:
        self._to_venue = dict(symbols)
        self._to_ours = {v: k for k, v in symbols.items()}

    @property
    def configured(self) -> dict[str, str]:
        return dict(self._to_venue)

    def venue(self, symbol: str) -> str:
        return self._to_venue.get(symbol) or symbol.replace("-", "_")

    def ours(self, instrument: str) -> str:
        return self._to_ours.get(instrument) or instrument.replace("_", "-")


def dec(text: Any) -> Decimal:
    """Parse one of OANDA's decimal strings (never a float)."""
    if not isinstance(text, str | int):
        raise TypeError(f"expected a decimal string, got {type(text).__name__}")
    return Decimal(text)


def units_text(side: Side, quantity: Decimal) -> str:
    """Format signed units: positive buys, negative sells."""
    text = format(quantity, "f")
    return text if side is Side.BUY else "-" + text


def order_body(request: PlaceRequest, instrument: str) -> Json:
    """Build the ``{"order": ...}`` body of an OrderCreate or OrderReplace.

    Raises a REJECTED VenueFailure for what OANDA cannot express (stop-limit,
    a stop that is IOC/FOK), before anything is sent.
    """
    order: Json = {"instrument": instrument, "units": units_text(request.side, request.quantity)}
    tif = request.time_in_force
    if request.type is OrderType.MARKET:
        order.update(type="MARKET", timeInForce=_MARKET_TIF[tif])
    elif request.type is OrderType.LIMIT and request.limit_price is not None:
        order.update(type="LIMIT", timeInForce=_LIMIT_TIF[tif])
        order["price"] = format(request.limit_price, "f")
    elif request.type is OrderType.STOP and request.stop_price is not None and tif in _STOP_TIF:
        order.update(type="STOP", timeInForce=_STOP_TIF[tif])
        order["price"] = format(request.stop_price, "f")
    else:
        raise VenueFailure(
            ErrorKind.REJECTED,
            f"oanda: cannot place a {request.type.name} order with {tif.name} "
            "(OANDA has no stop-limit; stops rest GTC or DAY)",
            code="UNSUPPORTED_ORDER",
        )
    # REDUCE_ONLY: OANDA itself never lets the order open or grow a position.
    order["positionFill"] = "REDUCE_ONLY" if request.reduce_only else "DEFAULT"
    order["clientExtensions"] = {"id": request.client_id}
    if request.protection is not None:
        order.update(on_fill(request.protection))
    return {"order": order}


def on_fill(protection: EntryProtection) -> Json:
    """The ``*OnFill`` fields: the orders OANDA creates on the trade the entry opens, each
    under the client id of the bracket member it becomes. A take-profit takes a price
    only (none for a bracket with a stop alone); a stop-loss a price or a ``distance``
    from the trade's fill price; a trailing stop-loss a ``distance`` behind the best
    price."""
    fields: Json = {}
    if protection.take_profit_price is not None:
        fields["takeProfitOnFill"] = {
            "price": format(protection.take_profit_price, "f"),
            "timeInForce": "GTC",
            "clientExtensions": {"id": protection.take_profit_client_id},
        }
    stop: Json = {"timeInForce": "GTC", "clientExtensions": {"id": protection.stop_client_id}}
    if protection.trail_distance is not None:
        stop["distance"] = format(protection.trail_distance, "f")
        fields["trailingStopLossOnFill"] = stop
    else:
        if protection.stop_price is not None:
            stop["price"] = format(protection.stop_price, "f")
        elif protection.stop_distance is not None:
            stop["distance"] = format(protection.stop_distance, "f")
        fields["stopLossOnFill"] = stop
    return fields


def time_ns(text: Any) -> int:
    """Parse OANDA's RFC 3339 time with nanoseconds ("...T06:05:06.075247778Z"); 0 if absent."""
    if not isinstance(text, str) or not text.endswith("Z"):
        return 0
    whole, _, fraction = text[:-1].partition(".")
    try:
        seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
        nanos = int((fraction + "000000000")[:9]) if fraction else 0
    except ValueError:
        return 0
    return seconds * 1_000_000_000 + nanos


def time_text(ns: int) -> str:
    """Format epoch nanoseconds as OANDA's RFC 3339 time."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"


@reads_venue
def instruments(answer: Json, symbols: SymbolMap) -> dict[str, Instrument]:
    """Read ``/instruments``: precisions become increments (10 ** -precision)."""
    result: dict[str, Instrument] = {}
    for item in answer["instruments"]:
        name = item["name"]
        result[symbols.ours(name)] = Instrument(
            symbol=symbols.ours(name),
            venue_symbol=name,
            price_increment=Decimal(1).scaleb(-int(item["displayPrecision"])),
            quantity_increment=Decimal(1).scaleb(-int(item["tradeUnitsPrecision"])),
            min_quantity=dec(item.get("minimumTradeSize", "0")),
        )
    return result


@reads_venue
def fill(txn: Json, symbols: SymbolMap) -> VenueFill:
    """Read an ORDER_FILL transaction.

    The fee is ``commission`` plus ``guaranteedExecutionFee``, both positive
    costs in the account currency. ``financing`` is not a fee of this fill
    (it settles carry on the trades it closes) and the half spread is already
    in the price. OANDA does not state the order's cumulative fill.
    """
    units = dec(txn["units"])
    fee = dec(txn.get("commission", "0")) + dec(txn.get("guaranteedExecutionFee", "0"))
    return VenueFill(
        client_id=str(txn.get("clientOrderID") or ""),
        venue_order_id=str(txn.get("orderID") or ""),
        trade_id=str(txn["id"]),
        symbol=symbols.ours(txn["instrument"]),
        side=Side.BUY if units > 0 else Side.SELL,
        quantity=abs(units),
        price=dec(txn["price"]),
        fee=fee,
        ts_ns=time_ns(txn.get("time")),
    )


@reads_venue
def positions(answer: Json, symbols: SymbolMap) -> list[VenuePosition]:
    """Read ``/openPositions``: long and short sides net into one signed quantity.

    The average price is that of the side the net position is on (a hedging
    account can hold both; its net has no single entry price).
    """
    result: list[VenuePosition] = []
    for item in answer["positions"]:
        long, short = item.get("long") or {}, item.get("short") or {}
        net = dec(long.get("units", "0")) + dec(short.get("units", "0"))
        side = long if net > 0 else short
        average = side.get("averagePrice")
        result.append(
            VenuePosition(
                symbol=symbols.ours(item["instrument"]),
                quantity=net,
                average_price=dec(average) if net != ZERO and average else None,
            )
        )
    return result


@reads_venue
def balance(answer: Json) -> VenueBalance:
    """Read ``/summary``: the balance and the margin available, in the account currency."""
    account = answer["account"]
    return VenueBalance(
        asset=str(account.get("currency") or ""),
        total=dec(account["balance"]),
        available=dec(account["marginAvailable"]),
    )


@reads_venue
def first_page_id(answer: Json) -> int | None:
    """Read the first transaction id of a ``/transactions`` time-range answer, None if empty."""
    pages = answer.get("pages") or []
    if not pages:
        return None
    query = str(pages[0]).partition("?")[2]
    params = dict(part.partition("=")[::2] for part in query.split("&"))
    return int(params["from"])


@reads_venue
def sinceid_page(answer: Json, start: int) -> tuple[list[Json], int, bool]:
    """Read a ``/transactions/sinceid`` page: its transactions, the next start, whether last."""
    txns: list[Json] = list(answer.get("transactions") or [])
    if not txns:
        return [], start, True
    last = int(txns[-1]["id"])
    return txns, last, last >= int(answer.get("lastTransactionID") or 0) or last <= start


@reads_venue
def quotes(answer: Json, symbols: SymbolMap) -> list[VenueQuote]:
    """Read ``/pricing``: each instrument's best bid and ask, and OANDA's time of the price."""
    result: list[VenueQuote] = []
    for price in answer.get("prices") or ():
        bids, asks = price.get("bids") or (), price.get("asks") or ()
        result.append(
            VenueQuote(
                symbol=symbols.ours(price["instrument"]),
                bid=dec(bids[0]["price"]) if bids else None,
                ask=dec(asks[0]["price"]) if asks else None,
                ts_ns=time_ns(price.get("time")),
            )
        )
    return result


@reads_venue
def account_values(answer: Json) -> VenueAccount:
    """Read ``/summary``: balance, NAV and margin, in the account currency."""
    account = answer["account"]
    return VenueAccount(
        currency=str(account.get("currency") or ""),
        cash=dec(account["balance"]),
        equity=dec(account["NAV"]),
        buying_power=dec(account["marginAvailable"]),
        margin_used=dec(account["marginUsed"]),
        margin_available=dec(account["marginAvailable"]),
    )


def dependent_body(kind: str, trade_id: str, price: Decimal, client_id: str) -> Json:
    """The body of a TAKE_PROFIT or STOP_LOSS order on trade ``trade_id`` (GTC).

    It has no instrument and no units: it closes the whole trade, and OANDA
    cancels it (LINKED_TRADE_CLOSED) when the trade closes otherwise.
    """
    return {
        "order": {
            "type": kind,
            "tradeID": trade_id,
            "price": format(price, "f"),
            "timeInForce": "GTC",
            "clientExtensions": {"id": client_id},
        }
    }


def trailing_body(trade_id: str, distance: Decimal, client_id: str) -> Json:
    """The body of a TRAILING_STOP_LOSS on trade ``trade_id`` (GTC): OANDA keeps it
    ``distance`` (price units) behind the best price since, and closes the trade there."""
    return {
        "order": {
            "type": "TRAILING_STOP_LOSS",
            "tradeID": trade_id,
            "distance": format(distance, "f"),
            "timeInForce": "GTC",
            "clientExtensions": {"id": client_id},
        }
    }
