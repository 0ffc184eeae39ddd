"""The state of one fake OANDA v20 account: orders, transactions, positions, margin.

Pure state, no I/O: :mod:`fakes.oanda` serves it over HTTP. Every change is a
transaction (ids from 1, batches as OANDA groups them) pushed to the
listeners (the open transaction streams) as it happens. Simplifications, on
purpose: one price per instrument (bid = ask, market orders fill at it),
resting orders fill only through :meth:`FakeAccount.fill`, margin is
``|units| x price x marginRate`` with no currency conversion.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from fakes.oanda_trades import DEPENDENT, MIN_TRAIL_DISTANCE, TRAILING, TradeBook

Json = dict[str, Any]

INSTRUMENTS: dict[str, Json] = {
    "EUR_USD": {"displayPrecision": 5, "tradeUnitsPrecision": 0, "marginRate": "0.0333"},
    "USD_JPY": {"displayPrecision": 3, "tradeUnitsPrecision": 0, "marginRate": "0.04"},
}
#: The *OnFill details of an order -> the type of the order they create on its trade.
ON_FILL = {
    "takeProfitOnFill": "TAKE_PROFIT",
    "stopLossOnFill": "STOP_LOSS",
    "trailingStopLossOnFill": TRAILING,
}
_TIF = {
    "MARKET": {"FOK", "IOC"},
    "LIMIT": {"GTC", "GFD", "GTD", "FOK", "IOC"},
    "STOP": {"GTC", "GFD", "GTD"},
    "TAKE_PROFIT": {"GTC", "GFD", "GTD"},
    "STOP_LOSS": {"GTC", "GFD", "GTD"},
    TRAILING: {"GTC", "GFD", "GTD"},
}


def now_text() -> str:
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


class Refusal(Exception):
    """A request the venue answers with an error status and body."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


@dataclass
class Order:
    id: str
    type: str
    instrument: str
    units: Decimal  # signed
    time_in_force: str
    client_id: str
    price: Decimal | None
    create_time: str
    replaces: str = ""
    position_fill: str = "DEFAULT"
    state: str = "PENDING"
    filled: Decimal = Decimal(0)  # unsigned
    extra: Json = field(default_factory=dict)
    #: The trade a TAKE_PROFIT / STOP_LOSS is on (it has no instrument and units of its own).
    trade_id: str = ""

    def to_json(self) -> Json:
        data: Json = {
            "id": self.id,
            "createTime": self.create_time,
            "type": self.type,
            "instrument": self.instrument,
            "units": str(self.units),
            "timeInForce": self.time_in_force,
            "positionFill": self.position_fill,
            "state": self.state,
        }
        if self.price is not None:
            data.update(price=str(self.price), triggerCondition="DEFAULT")
        if self.type == "LIMIT":
            data["partialFill"] = "DEFAULT_FILL"
        if self.client_id:
            data["clientExtensions"] = {"id": self.client_id}
        if self.replaces:
            data["replacesOrderID"] = self.replaces
        if self.trade_id:
            for own in ("instrument", "units", "positionFill"):
                del data[own]
            data["tradeID"] = self.trade_id
        return data | self.extra


class FakeAccount:
    """One v20 account; methods return response bodies or raise :class:`Refusal`."""

    def __init__(self, account_id: str, *, balance: Decimal, currency: str = "USD") -> None:
        self.account_id = account_id
        self.currency = currency
        self.balance = balance
        self.prices = {"EUR_USD": Decimal("1.08462"), "USD_JPY": Decimal("150.123")}
        self.orders: dict[str, Order] = {}
        self.transactions: list[Json] = []
        #: instrument -> (signed units, average price)
        self.positions: dict[str, tuple[Decimal, Decimal]] = {}
        self.listeners: list[Callable[[Json], None]] = []
        self.reject_next = False
        self.trades = TradeBook()

    # -- transactions ------------------------------------------------------------

    @property
    def last_id(self) -> str:
        return self.transactions[-1]["id"] if self.transactions else "0"

    def _txn(self, kind: str, batch: str = "", **fields: Any) -> Json:
        txn_id = str(len(self.transactions) + 1)
        txn: Json = {
            "id": txn_id,
            "accountID": self.account_id,
            "userID": 1234567,
            "batchID": batch or txn_id,
            "requestID": str(10**18 + int(txn_id)),
            "time": now_text(),
            "type": kind,
        }
        txn.update(fields)
        self.transactions.append(txn)
        for listener in list(self.listeners):
            listener(txn)
        return txn

    def _answer(self, **txns: Json) -> Json:
        ids = [t["id"] for t in txns.values()]
        return {**txns, "relatedTransactionIDs": ids, "lastTransactionID": self.last_id}

    def find(self, spec: str) -> Order | None:
        if spec.startswith("@"):
            return next((o for o in self.orders.values() if o.client_id == spec[1:]), None)
        return self.orders.get(spec)

    # -- orders ------------------------------------------------------------------

    def _validate(self, body: Any) -> Json:
        """Check an order body; a refusal is a *_ORDER_REJECT transaction and a 400."""
        order = body.get("order") if isinstance(body, dict) else None
        if not isinstance(order, dict) or order.get("type") not in _TIF:
            raise Refusal(400, {"errorCode": "INVALID_ORDER", "errorMessage": "bad order"})
        kind, instrument = order["type"], order.get("instrument", "")
        trade = self.trades.trades.get(str(order.get("tradeID", "")))
        if kind in DEPENDENT:  # on a trade: its instrument, closing all its units
            instrument = order["instrument"] = trade.instrument if trade else ""
            order["units"] = str(-trade.current) if trade else "0"
        reason = ""
        units = _decimal(order.get("units"))
        price = _decimal(order.get("price"))
        tif = order.setdefault("timeInForce", "FOK" if kind == "MARKET" else "GTC")
        spec = INSTRUMENTS.get(instrument)
        client_id = (order.get("clientExtensions") or {}).get("id", "")
        if kind in DEPENDENT and (trade is None or not trade.is_open):
            reason = "TRADE_DOESNT_EXIST"
        elif kind in DEPENDENT and trade is not None and self._on_trade(trade, kind):
            reason = f"{kind}_ORDER_ALREADY_EXISTS"
        elif spec is None:
            reason = "INSTRUMENT_UNKNOWN"
        elif units is None or units == 0:
            reason = "UNITS_INVALID"
        elif units != units.to_integral_value():
            reason = "UNITS_PRECISION_EXCEEDED"
        elif kind == TRAILING and (_decimal(order.get("distance")) or 0) < MIN_TRAIL_DISTANCE:
            reason = "PRICE_DISTANCE_MINIMUM_NOT_MET"
        elif kind not in ("MARKET", TRAILING) and price is None:
            reason = "PRICE_MISSING"
        elif price is not None and _places(price) > spec["displayPrecision"]:
            reason = "PRICE_PRECISION_EXCEEDED"
        elif tif not in _TIF[kind]:
            reason = "TIME_IN_FORCE_INVALID"
        elif client_id and any(o.client_id == client_id for o in self.orders.values()):
            reason = "CLIENT_ORDER_ID_ALREADY_EXISTS"
        if reason:
            fields = {k: v for k, v in order.items() if k != "type"}
            if kind in DEPENDENT:
                fields = {k: v for k, v in fields.items() if k not in ("instrument", "units")}
            txn = self._txn(f"{kind}_ORDER_REJECT", rejectReason=reason, **fields)
            answer = self._answer(orderRejectTransaction=txn)
            raise Refusal(400, answer | {"errorCode": reason, "errorMessage": reason.lower()})
        return order

    def _on_trade(self, trade: Any, kind: str) -> bool:
        order = self.orders.get(trade.orders.get(kind, ""))
        return order is not None and order.state == "PENDING"

    def create(self, body: Any) -> Json:
        """POST /orders: 201 with the create transaction and its fill or cancel."""
        order = self._validate(body)
        create = self._create_txn(order, batch="", replaces="")
        return self._answer(orderCreateTransaction=create, **self._execute(create))

    def _create_txn(self, order: Json, *, batch: str, replaces: str, reason: str = "") -> Json:
        fields = {k: v for k, v in order.items() if k != "type"}
        trade_id = str(order.get("tradeID", "")) if order["type"] in DEPENDENT else ""
        if trade_id:
            fields = {k: v for k, v in fields.items() if k not in ("instrument", "units")}
        fields["reason"] = reason or ("REPLACEMENT" if replaces else "CLIENT_ORDER")
        if replaces:
            fields["replacesOrderID"] = replaces
        if order["type"] != "MARKET":
            fields.setdefault("triggerCondition", "DEFAULT")
        create = self._txn(f"{order['type']}_ORDER", batch, **fields)
        self.orders[create["id"]] = Order(
            id=create["id"],
            type=order["type"],
            instrument=order["instrument"],
            units=Decimal(order["units"]),
            time_in_force=order["timeInForce"],
            client_id=(order.get("clientExtensions") or {}).get("id", ""),
            price=_decimal(order.get("price")),
            create_time=create["time"],
            replaces=replaces,
            position_fill=order.get("positionFill", "DEFAULT"),
            trade_id=trade_id,
        )
        on_fill = {k: order[k] for k in ON_FILL if isinstance(order.get(k), dict)}
        self.orders[create["id"]].extra.update(on_fill)
        if trade_id:
            trade = self.trades.trades[trade_id]
            trade.orders[order["type"]] = create["id"]
            if order["type"] == TRAILING:
                value = self.trades.trail(
                    trade, Decimal(order["distance"]), self.prices[trade.instrument], None
                )
                extra = {"distance": order["distance"], "trailingStopValue": str(value)}
                self.orders[create["id"]].extra.update(extra)
        return create

    def _execute(self, create: Json) -> Json:
        """Fill, cancel or rest a just-created order; the transactions for its answer."""
        order = self.orders[create["id"]]
        batch = create["batchID"]
        market = self.prices[order.instrument]
        if self.reject_next or (order.type == "MARKET" and self._margin_short(order, market)):
            self.reject_next = False
            return {"orderCancelTransaction": self._cancel(order, "INSUFFICIENT_MARGIN", batch)}
        marketable = order.type == "MARKET" or (
            order.type == "LIMIT"
            and order.price is not None
            and (market <= order.price if order.units > 0 else market >= order.price)
        )
        if order.trade_id:
            trade = self.trades.trades[order.trade_id]
            if order.price is not None and self.trades.triggered(
                order.type, trade, order.price, market
            ):
                return {"orderFillTransaction": self.fill(order, abs(order.units), market, batch)}
            return {}
        if marketable:
            return {"orderFillTransaction": self.fill(order, abs(order.units), market, batch)}
        if order.time_in_force in ("FOK", "IOC"):
            return {"orderCancelTransaction": self._cancel(order, "TIME_IN_FORCE_EXPIRED", batch)}
        return {}

    def _margin_short(self, order: Order, price: Decimal) -> bool:
        return abs(order.units) * price * _rate(order.instrument) > self.margin_available()

    def _cancel(self, order: Order, reason: str, batch: str = "", **extra: Any) -> Json:
        fields: Json = {"orderID": order.id, "reason": reason, **extra}
        if order.client_id:
            fields["clientOrderID"] = order.client_id
        txn = self._txn("ORDER_CANCEL", batch, **fields)
        order.state = "CANCELLED"
        order.extra.update(cancellingTransactionID=txn["id"], cancelledTime=txn["time"])
        if "replacedByOrderID" in extra:
            order.extra["replacedByOrderID"] = extra["replacedByOrderID"]
        return txn

    def _pending(self, spec: str) -> Order:
        order = self.find(spec)
        if order is None or order.state != "PENDING":
            reject = self._txn(
                "ORDER_CANCEL_REJECT", orderID=spec.lstrip("@"), rejectReason="ORDER_DOESNT_EXIST"
            )
            raise Refusal(
                404,
                self._answer(orderCancelRejectTransaction=reject)
                | {"errorCode": "ORDER_DOESNT_EXIST", "errorMessage": "The Order does not exist"},
            )
        return order

    def cancel(self, spec: str) -> Json:
        """PUT /orders/{spec}/cancel."""
        order = self._pending(spec)
        return self._answer(orderCancelTransaction=self._cancel(order, "CLIENT_REQUEST"))

    def replace(self, spec: str, body: Any) -> Json:
        """PUT /orders/{spec}: cancel and create in one batch, 201."""
        old = self._pending(spec)
        order = self._validate(body)
        next_id = str(len(self.transactions) + 2)
        cancel = self._cancel(old, "CLIENT_REQUEST_REPLACED", replacedByOrderID=next_id)
        create = self._create_txn(order, batch=cancel["id"], replaces=old.id)
        executed = self._execute(create)
        if "orderCancelTransaction" in executed:
            executed["replacingOrderCancelTransaction"] = executed.pop("orderCancelTransaction")
        return self._answer(
            orderCancelTransaction=cancel, orderCreateTransaction=create, **executed
        )

    # -- fills and positions -------------------------------------------------------

    def fill(self, order: Order, quantity: Decimal, price: Decimal, batch: str = "") -> Json:
        """Fill ``quantity`` (unsigned) of ``order``: ORDER_FILL, position and balance change.

        An order on a trade closes all of it; the other orders on a trade it closes are
        cancelled (LINKED_TRADE_CLOSED) in the same batch.
        """
        if order.trade_id:
            quantity = abs(self.trades.trades[order.trade_id].current)
        units = quantity if order.units > 0 else -quantity
        txn_id, time_text = str(len(self.transactions) + 1), now_text()
        trade_fields, closed = self.trades.fill_fields(
            txn_id, time_text, order.instrument, units, price, order.trade_id
        )
        pl = self._move_position(order.instrument, units, price)
        self.balance += pl
        order.filled += quantity
        fields: Json = {
            "orderID": order.id,
            "instrument": order.instrument,
            "units": str(units),
            "requestedUnits": str(order.units),
            "price": str(price),
            "fullVWAP": str(price),
            "pl": f"{pl:.4f}",
            "financing": "0.0000",
            "commission": "0.0000",
            "guaranteedExecutionFee": "0.0000",
            "halfSpreadCost": "0.0000",
            "accountBalance": f"{self.balance:.4f}",
            "reason": f"{order.type}_ORDER",
            **trade_fields,
        }
        if order.client_id:
            fields["clientOrderID"] = order.client_id
        txn = self._txn("ORDER_FILL", batch, **fields)
        if order.filled >= abs(order.units) or order.trade_id:
            order.state = "FILLED"
            order.extra.update(fillingTransactionID=txn["id"], filledTime=txn["time"])
            if "tradeOpened" in trade_fields:
                order.extra["tradeOpenedID"] = trade_fields["tradeOpened"]["tradeID"]
        opened = trade_fields.get("tradeOpened")
        if opened is not None:
            self._on_fill(order, self.trades.trades[opened["tradeID"]], txn["batchID"])
        for trade in closed:
            for linked in trade.orders.values():
                other = self.orders[linked]
                if other.state == "PENDING":
                    self._cancel(other, "LINKED_TRADE_CLOSED", txn["batchID"])
        return txn

    def _on_fill(self, order: Order, trade: Any, batch: str) -> None:
        """Create the orders the filled ``order`` asked for on the trade it opened
        (``takeProfitOnFill``, ``stopLossOnFill``, ``trailingStopLossOnFill``), in the fill's
        batch, each with the details' clientExtensions. A stop-loss ``distance`` is measured
        from the trade's price. A client id already in use (a later trade of an order that
        filled in parts) is left off, as OANDA allows one order per client id."""
        places = INSTRUMENTS[trade.instrument]["displayPrecision"]
        for key, kind in ON_FILL.items():
            details = order.extra.get(key)
            if not isinstance(details, dict):
                continue
            body: Json = {"type": kind, "tradeID": trade.id, "instrument": trade.instrument}
            body["units"] = str(-trade.current)
            body["timeInForce"] = details.get("timeInForce", "GTC")
            if kind == TRAILING:
                body["distance"] = details["distance"]
            elif "price" in details:
                body["price"] = details["price"]
            else:
                step = Decimal(details["distance"]) * (-1 if trade.current > 0 else 1)
                body["price"] = str((trade.price + step).quantize(Decimal(1).scaleb(-places)))
            client_id = (details.get("clientExtensions") or {}).get("id", "")
            if client_id and not any(o.client_id == client_id for o in self.orders.values()):
                body["clientExtensions"] = {"id": client_id}
            self._create_txn(body, batch=batch, replaces="", reason="ON_FILL")

    def check_triggers(self) -> None:
        """Fill every order on a trade whose price the market has reached."""
        for order in list(self.orders.values()):
            if order.state != "PENDING" or not order.trade_id:
                continue
            trade = self.trades.trades[order.trade_id]
            market, price = self.prices[order.instrument], order.price
            if order.type == TRAILING and trade.is_open:  # OANDA moves it behind the price
                value = Decimal(order.extra["trailingStopValue"])
                price = self.trades.trail(trade, Decimal(order.extra["distance"]), market, value)
                order.extra["trailingStopValue"] = str(price)
            if price is None:
                continue
            if trade.is_open and self.trades.triggered(order.type, trade, price, market):
                self.fill(order, abs(trade.current), price)

    def _move_position(self, instrument: str, units: Decimal, price: Decimal) -> Decimal:
        """Net ``units`` into the position; return the realized P/L."""
        held, average = self.positions.get(instrument, (Decimal(0), Decimal(0)))
        total = held + units
        pl = Decimal(0)
        if held == 0 or (held > 0) == (units > 0):
            average = (held * average + units * price) / total if total else Decimal(0)
        else:
            closed = min(abs(units), abs(held))
            pl = (price - average) * closed * (1 if held > 0 else -1)
            if total != 0 and (total > 0) != (held > 0):
                average = price  # flipped: the rest opens at this price
        self.positions[instrument] = (total, average if total else Decimal(0))
        return pl

    def margin_used(self) -> Decimal:
        return sum(
            (abs(u) * self.prices[i] * _rate(i) for i, (u, _) in self.positions.items()),
            Decimal(0),
        )

    def margin_available(self) -> Decimal:
        return self.balance - self.margin_used()


def _rate(instrument: str) -> Decimal:
    return Decimal(INSTRUMENTS[instrument]["marginRate"])


def _places(value: Decimal) -> int:
    """Significant decimal places: trailing zeros are accepted ("140.00000" at precision 3)."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _decimal(value: Any) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
