"""The fake Alpaca account's state: assets, orders, fills, positions, cash, in Alpaca's JSON shapes.

Pure bookkeeping, no I/O: :mod:`fakes.alpaca` serves it over HTTP and the
websocket. Shapes follow the wire log (/work/shared/reference/wire/alpaca.json):
decimals as strings, RFC 3339 times with microseconds, nullable fields present.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
OPEN_STATUSES = frozenset(
    {
        "accepted",
        "pending_new",
        "new",
        "partially_filled",
        "pending_cancel",
        "pending_replace",
        "held",
    }
)
ORDER_TYPES = frozenset({"market", "limit", "stop", "stop_limit", "trailing_stop"})
TIME_IN_FORCE = frozenset({"day", "gtc", "ioc", "fok", "opg", "cls"})

ASSETS: dict[str, dict[str, Any]] = {
    "AAPL": {
        "id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
        "class": "us_equity",
        "exchange": "NASDAQ",
        "symbol": "AAPL",
        "name": "Apple Inc. Common Stock",
        "status": "active",
        "tradable": True,
        "marginable": True,
        "shortable": True,
        "easy_to_borrow": True,
        "fractionable": True,
        "maintenance_margin_requirement": 30,
        "attributes": [],
    },
    "BTC/USD": {
        "id": "276e2673-764b-4ab6-a611-caf665ca6340",
        "class": "crypto",
        "exchange": "CRYPTO",
        "symbol": "BTC/USD",
        "name": "Bitcoin  / US Dollar",
        "status": "active",
        "tradable": True,
        "marginable": False,
        "shortable": False,
        "easy_to_borrow": False,
        "fractionable": True,
        "min_order_size": "0.0001",
        "min_trade_increment": "0.000000001",
        "price_increment": "1",
        "attributes": [],
    },
}


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 time (the precision Alpaca's filters use)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def plain(value: Decimal) -> str:
    """A decimal as Alpaca writes it: fixed point, no exponent."""
    return format(value.normalize(), "f") if value else "0"


def _text(value: Decimal | None) -> str | None:
    return plain(value) if value is not None else None


def asset(symbol: str) -> dict[str, Any] | None:
    """The asset by symbol, accepting crypto without the slash ("BTCUSD")."""
    found = ASSETS.get(symbol)
    if found is None:
        found = next((a for a in ASSETS.values() if a["symbol"].replace("/", "") == symbol), None)
    return found


@dataclass
class Order:
    """One order at the fake venue (mutable: the venue changes it)."""

    symbol: str
    side: str
    type: str
    time_in_force: str
    qty: Decimal
    client_order_id: str
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "accepted"
    filled: Decimal = ZERO
    cost: Decimal = ZERO
    replaces: str | None = None
    replaced_by: str | None = None
    created_at: str = field(default_factory=now_text)
    updated_at: str = ""
    filled_at: str | None = None
    canceled_at: str | None = None
    replaced_at: str | None = None
    created_s: float = field(default_factory=time.time)
    #: An OCO member: "oco", the id of the other member, and (on the parent) its legs.
    order_class: str = ""
    partner: str | None = None
    legs: list[Order] = field(default_factory=list)
    #: A trailing stop (fakes/alpaca_trailing.py): its trail and high-water mark.
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    hwm: Decimal | None = None

    def touch(self, status: str | None = None) -> str:
        self.updated_at = now_text()
        if status:
            self.status = status
        return self.updated_at

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def to_json(self) -> dict[str, Any]:
        info = asset(self.symbol) or {}
        return {
            "id": self.id,
            "client_order_id": self.client_order_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at or self.created_at,
            "submitted_at": self.created_at,
            "filled_at": self.filled_at,
            "expired_at": None,
            "canceled_at": self.canceled_at,
            "failed_at": None,
            "replaced_at": self.replaced_at,
            "replaced_by": self.replaced_by,
            "replaces": self.replaces,
            "asset_id": info.get("id", str(uuid.uuid4())),
            "symbol": self.symbol,
            "asset_class": info.get("class", "us_equity"),
            "notional": None,
            "qty": plain(self.qty),
            "filled_qty": plain(self.filled),
            "filled_avg_price": plain(self.cost / self.filled) if self.filled else None,
            "order_class": self.order_class,
            "order_type": self.type,
            "type": self.type,
            "side": self.side,
            "position_intent": "buy_to_open" if self.side == "buy" else "sell_to_close",
            "time_in_force": self.time_in_force,
            "limit_price": plain(self.limit_price) if self.limit_price is not None else None,
            "stop_price": plain(self.stop_price) if self.stop_price is not None else None,
            "status": self.status,
            "extended_hours": False,
            "legs": [leg.to_json() for leg in self.legs] or None,
            "trail_percent": _text(self.trail_percent),
            "trail_price": _text(self.trail_price),
            "hwm": _text(self.hwm),
            "subtag": None,
            "source": None,
            "expires_at": None,
        }


@dataclass
class Book:
    """Orders, FILL activities, positions and cash of the one fake account."""

    cash: Decimal = Decimal(100000)
    orders: list[Order] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    #: venue symbol -> (signed quantity, average entry price)
    positions: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

    @property
    def buying_power(self) -> Decimal:
        return self.cash * 2  # a margin account's 2x overnight buying power

    def by_id(self, order_id: str) -> Order | None:
        return next((o for o in self.orders if o.id == order_id), None)

    def by_client_id(self, client_id: str) -> Order | None:
        return next((o for o in self.orders if o.client_order_id == client_id), None)

    def list_orders(self, q: Mapping[str, str]) -> list[Order]:
        """GET /v2/orders: status open|closed|all, after/until, symbols, direction, limit."""
        wanted = q.get("status", "open")
        found = [
            o
            for o in self.orders
            if wanted == "all" or (o.is_open if wanted == "open" else not o.is_open)
        ]
        if "after" in q:
            found = [o for o in found if o.created_s > parse_time(q["after"])]
        if "until" in q:
            found = [o for o in found if o.created_s < parse_time(q["until"])]
        if "symbols" in q:
            symbols = set(q["symbols"].split(","))
            found = [o for o in found if o.symbol in symbols]
        if q.get("direction", "desc") == "desc":
            found.reverse()
        return found[: min(int(q.get("limit", 50)), 500)]

    def fill_activities(self, q: Mapping[str, str]) -> list[dict[str, Any]]:
        """GET /v2/account/activities/FILL: after/until, direction, page_size, page_token."""
        found = list(self.activities)
        if "after" in q:
            after = parse_time(q["after"])
            found = [a for a in found if parse_time(a["transaction_time"]) > after]
        if "until" in q:
            until = parse_time(q["until"])
            found = [a for a in found if parse_time(a["transaction_time"]) < until]
        if q.get("direction", "desc") == "desc":
            found.reverse()
        ids = [a["id"] for a in found]
        if q.get("page_token") in ids:
            found = found[ids.index(q["page_token"]) + 1 :]
        return found[: int(q.get("page_size", 100))]

    def execute(self, order: Order, qty: Decimal, price: Decimal) -> dict[str, Any]:
        """Trade ``qty`` of ``order`` at ``price``; return the trade_updates event data."""
        if qty <= 0 or order.filled + qty > order.qty:
            raise ValueError(f"cannot fill {qty} of {order.qty - order.filled} left")
        order.filled += qty
        order.cost += qty * price
        stamp = order.touch("filled" if order.filled == order.qty else "partially_filled")
        if order.status == "filled":
            order.filled_at = stamp
        signed = qty if order.side == "buy" else -qty
        self.cash -= signed * price
        held, average = self.positions.get(order.symbol, (ZERO, ZERO))
        if held == 0 or (held > 0) == (signed > 0):
            average = (held * average + signed * price) / (held + signed)
        held += signed
        self.positions[order.symbol] = (held, average if held else ZERO)
        execution_id = str(uuid.uuid4())
        event = "fill" if order.status == "filled" else "partial_fill"
        self.activities.append(
            {
                "id": f"{''.join(c for c in stamp[:23] if c.isdigit())}::{execution_id}",
                "activity_type": "FILL",
                "transaction_time": stamp,
                "type": event,
                "price": plain(price),
                "qty": plain(qty),
                "side": order.side,
                "symbol": order.symbol,
                "leaves_qty": plain(order.qty - order.filled),
                "order_id": order.id,
                "cum_qty": plain(order.filled),
                "order_status": order.status,
            }
        )
        return {
            "event": event,
            "execution_id": execution_id,
            "order": order.to_json(),
            "timestamp": stamp,
            "price": plain(price),
            "qty": plain(qty),
            "position_qty": plain(held),
        }

    def position_json(self, symbol: str, price: Decimal) -> dict[str, Any] | None:
        held, average = self.positions.get(symbol, (ZERO, ZERO))
        if not held:
            return None
        info = asset(symbol) or ASSETS["AAPL"]
        return {
            "asset_id": info["id"],
            "symbol": symbol.replace("/", ""),
            "exchange": info["exchange"],
            "asset_class": info["class"],
            "asset_marginable": info["marginable"],
            "avg_entry_price": plain(average),
            "qty": plain(held),
            "qty_available": plain(held),
            "side": "long" if held > 0 else "short",
            "market_value": plain(held * price),
            "cost_basis": plain(held * average),
            "unrealized_pl": plain(held * (price - average)),
            "unrealized_plpc": "0",
            "unrealized_intraday_pl": "0",
            "unrealized_intraday_plpc": "0",
            "current_price": plain(price),
            "lastday_price": plain(price),
            "change_today": "0",
        }

    def account_json(self, prices: Mapping[str, Decimal]) -> dict[str, Any]:
        """``/v2/account``: equity is cash plus the positions at ``prices``, as Alpaca's is."""
        values = [held * prices.get(s, average) for s, (held, average) in self.positions.items()]
        long_value = sum((v for v in values if v > 0), ZERO)
        short_value = sum((v for v in values if v < 0), ZERO)
        equity = self.cash + long_value + short_value
        return {
            "id": "e6fe16f3-64a4-4921-8928-cadf02f92f98",
            "account_number": "PA3FAKE",
            "status": "ACTIVE",
            "crypto_status": "ACTIVE",
            "currency": "USD",
            "buying_power": plain(self.buying_power),
            "regt_buying_power": plain(self.buying_power),
            "daytrading_buying_power": "0",
            "non_marginable_buying_power": plain(self.cash),
            "cash": plain(self.cash),
            "portfolio_value": plain(equity),
            "equity": plain(equity),
            "last_equity": plain(equity),
            "long_market_value": plain(long_value),
            "short_market_value": plain(short_value),
            "initial_margin": "0",
            "maintenance_margin": "0",
            "last_maintenance_margin": "0",
            "sma": "0",
            "daytrade_count": 0,
            "multiplier": "2",
            "pattern_day_trader": False,
            "trading_blocked": False,
            "transfers_blocked": False,
            "account_blocked": False,
            "trade_suspended_by_user": False,
            "shorting_enabled": True,
            "created_at": "2024-01-01T00:00:00Z",
            "accrued_fees": "0",
            "pending_transfer_in": "0",
        }
