"""Venue-side values: what a venue says about orders, fills, positions and balances.

Drivers (one per venue SDK) translate the SDK's answers into these; the
remote-venue runtime (:mod:`fillgate.venues.runtime`) turns them into domain
events. Every quantity and price is a ``Decimal`` parsed from the venue's
decimal string, never from a float. Symbols are *ours* (``BTC-USD``); the
driver maps them to and from the venue's (``BTC/USDT``, ``EUR_USD``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import ZERO


class VenueStatus(Enum):
    """An order's state as the venue reports it, reduced to what fillgate needs."""

    PENDING = "pending"  # received, not yet working (Alpaca accepted/pending_new)
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REPLACED = "replaced"  # superseded by a replacement order (Alpaca, OANDA)

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset(
    {
        VenueStatus.FILLED,
        VenueStatus.CANCELED,
        VenueStatus.REJECTED,
        VenueStatus.EXPIRED,
        VenueStatus.REPLACED,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrument:
    """A tradable symbol at the venue and the increments its orders must respect."""

    #: Our symbol, e.g. "BTC-USD".
    symbol: str
    #: The venue's symbol, e.g. "BTC/USDT", "EUR_USD", "AAPL".
    venue_symbol: str
    #: Smallest price step (ccxt tickSize, OANDA 10**-displayPrecision, Alpaca price_increment).
    price_increment: Decimal
    #: Smallest quantity step (ccxt stepSize, OANDA 10**-tradeUnitsPrecision, Alpaca increment).
    quantity_increment: Decimal
    #: Smallest order quantity (0 when the venue states none).
    min_quantity: Decimal = ZERO
    #: False while the venue halts the symbol (Alpaca asset not tradable or not active,
    #: a Binance symbol whose status is not TRADING): new orders are denied
    #: SYMBOL_NOT_TRADING.
    trading: bool = True
    #: How many stop orders may be open on the symbol at once (Binance's
    #: ``MAX_NUM_ALGO_ORDERS``: stop and take-profit types, an OCO's stop leg too);
    #: None when the venue states no such limit.
    max_algo_orders: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceRequest:
    """A new order as the driver must send it: already quantized to the instrument."""

    #: The id the venue stores with the order (Binance newClientOrderId, OANDA
    #: clientExtensions.id, Alpaca client_order_id); see :mod:`.runtime.client_ids`.
    client_id: str
    symbol: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    quantity: Decimal
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    #: Eligible in the pre-market and after-hours sessions (Alpaca ``extended_hours``).
    extended_hours: bool = False
    #: Only reduce a position, also at fill time; sent natively where the venue
    #: has it (OANDA ``positionFill: REDUCE_ONLY``), else guarded by fillgate at submit.
    reduce_only: bool = False
    #: A stop the venue trails itself (a bracket member tagged ``ct.trail``): by this
    #: price amount (OANDA ``distance``, Alpaca ``trail_price``) or percent (Alpaca
    #: ``trail_percent``); ``stop_price`` is then only the stop's first price.
    trail_amount: Decimal | None = None
    trail_percent: Decimal | None = None
    #: A bracket entry's exits that go out WITH it (see :mod:`.runtime.with_entry`).
    protection: EntryProtection | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryProtection:
    """A bracket's stop-loss and take-profit sent with its entry (OANDA ``stopLossOnFill`` /
    ``takeProfitOnFill`` / ``trailingStopLossOnFill``, Alpaca ``order_class=bracket`` or
    ``oto``, Binance OTOCO or OTO order lists): the venue creates them when the entry
    fills, fillgate up or not.

    ``take_profit_price`` is None for a bracket with a stop and no take-profit (the stop
    alone rides on the entry). Exactly one of the stop fields is set: a fixed stop at
    ``stop_price``, a fixed stop ``stop_distance`` from the fill price, or a stop the
    venue trails ``trail_distance`` behind the best price. The client ids are those of
    the bracket members the venue's orders become (the members bind to them after the
    fill)."""

    take_profit_price: Decimal | None = None
    stop_price: Decimal | None = None
    stop_distance: Decimal | None = None
    trail_distance: Decimal | None = None
    stop_client_id: str = ""
    take_profit_client_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueRef:
    """How to address one order at the venue."""

    client_id: str
    venue_order_id: str
    symbol: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueOrder:
    """One order as the venue reports it (a snapshot of its latest state)."""

    client_id: str
    venue_order_id: str
    symbol: str
    side: Side
    status: VenueStatus
    #: The venue order's own quantity (after a chained replace: the remainder sent).
    quantity: Decimal
    #: Cumulative filled quantity of this venue order; None when the venue does not say.
    filled_quantity: Decimal | None = None
    #: Average fill price over ``filled_quantity``; None when unknown or nothing filled.
    average_price: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    #: Why the venue rejected, canceled or expired it (its own words).
    reason: str = ""
    #: The venue order this one replaced (Alpaca ``replaces``), else "".
    replaces: str = ""
    ts_ns: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueFill:
    """One execution. ``trade_id`` is unique per venue and de-duplicates fills."""

    client_id: str
    venue_order_id: str
    trade_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal = ZERO
    #: The venue order's cumulative filled quantity after this fill, when the venue says
    #: (Binance ``z``, Alpaca ``order.filled_qty``): it proves a fill already counted.
    cumulative: Decimal | None = None
    ts_ns: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueReport:
    """What one venue answer or stream message says: an order's state and/or its fills.

    Fills are applied before the order snapshot, so a snapshot's cumulative
    quantity finds its fills already counted.
    """

    order: VenueOrder | None = None
    fills: tuple[VenueFill, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStatus:
    """Yielded by a driver's stream when its connection comes up or goes down.

    ``up=True`` after every (re)connect: events may have been missed while it
    was down, so the runtime backfills over REST. While down it polls.
    """

    up: bool
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class VenuePosition:
    """A net position at the venue (spot venues: the base asset's balance)."""

    symbol: str
    #: Signed: positive long, negative short.
    quantity: Decimal
    average_price: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueBalance:
    """Cash or an asset held at the venue."""

    asset: str
    total: Decimal
    available: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueQuote:
    """A venue's current best bid and ask for one of our symbols."""

    symbol: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None = None
    #: The venue's time of the quote (wall ns); 0 when it gave none.
    ts_ns: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueAccount:
    """An account's money as the venue reports it, in the account currency."""

    currency: str
    #: Cash, or the venue's balance (OANDA: realized, before unrealized P/L).
    cash: Decimal
    #: Equity / net asset value: cash and positions at the venue's prices.
    equity: Decimal
    buying_power: Decimal | None = None
    margin_used: Decimal | None = None
    margin_available: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteHeartbeat:
    """A quote stream is alive with nothing new: its last quotes still stand at ``ts_ns``."""

    ts_ns: int
