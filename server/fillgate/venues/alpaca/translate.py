"""Translate Alpaca's raw JSON (``raw_data=True``) into venue values, and back.

Alpaca sends every decimal as a string, so values are parsed straight into
``Decimal``. The other way, alpaca-py's request models are pydantic floats:
:func:`to_float` only lets a value through when the float's JSON text
(``repr``) reads back as exactly the same number.

Anything unexpected in an answer (a missing key, a non-decimal string)
raises :class:`MalformedAnswer`, which ``classify`` maps to an unknown
outcome: the venue answered, so the request may well have taken effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fillgate.domain.enums import Side
from fillgate.domain.values import ZERO
from fillgate.venues.types import (
    Instrument,
    VenueAccount,
    VenueBalance,
    VenueFill,
    VenueOrder,
    VenuePosition,
    VenueReport,
    VenueStatus,
)

Raw = Mapping[str, Any]

#: The most significant digits a float carries through ``repr`` unchanged.
FLOAT_DIGITS = 15
#: Equities state no price increment; one cent is valid at every price
#: (Alpaca allows 4 decimals below $1, 2 above; 0.01 fits both, coarser below $1).
EQUITY_PRICE_INCREMENT = Decimal("0.01")
#: Fractionable equities take quantities to 9 decimals.
FRACTIONAL_INCREMENT = Decimal("0.000000001")

_FIXED_STATUS = {
    "accepted": VenueStatus.PENDING,
    "pending_new": VenueStatus.PENDING,
    "accepted_for_bidding": VenueStatus.PENDING,
    "pending_review": VenueStatus.PENDING,
    "new": VenueStatus.NEW,
    "partially_filled": VenueStatus.PARTIALLY_FILLED,
    "filled": VenueStatus.FILLED,
    "canceled": VenueStatus.CANCELED,
    "expired": VenueStatus.EXPIRED,
    "rejected": VenueStatus.REJECTED,
    "replaced": VenueStatus.REPLACED,
}
# Still working at the venue (done_for_day: a GTC order resumes next session,
# a DAY order later reports expired): NEW or PARTIALLY_FILLED by filled qty.
_WORKING = frozenset(
    {
        "done_for_day",
        "pending_cancel",
        "pending_replace",
        "stopped",
        "suspended",
        "held",
        "calculated",
    }
)
_TERMINAL_WORDS = frozenset({"canceled", "expired", "rejected"})
#: Quote currencies of Alpaca's crypto pairs, longest first ("BTCUSDT" is BTC-USDT).
_CRYPTO_QUOTES = ("USDT", "USDC", "USD", "BTC")


class MalformedAnswer(Exception):
    """The venue answered, but not in a shape this driver understands."""


class SymbolMap:
    """Our symbols to Alpaca's and back.

    Default rule for symbols not configured: equities as-is ("AAPL"), crypto
    pairs with a slash ("BTC-USD" -> "BTC/USD"). Alpaca names crypto
    positions without the slash ("BTCUSD"), so both spellings map back; an
    unconfigured one is split before a known quote currency.
    """

    def __init__(self, configured: Mapping[str, str]) -> None:
        self.configured = dict(configured)
        self._ours: dict[str, str] = {}
        for ours, venue in self.configured.items():
            self._ours[venue] = ours
            self._ours.setdefault(venue.replace("/", ""), ours)

    def venue(self, ours: str) -> str:
        return self.configured.get(ours) or ours.replace("-", "/")

    def ours(self, venue: str, *, crypto: bool = False) -> str:
        known = self._ours.get(venue)
        if known:
            return known
        if crypto and "/" not in venue:
            quote = next((q for q in _CRYPTO_QUOTES if venue.endswith(q) and venue != q), "")
            if quote:
                return f"{venue[: -len(quote)]}-{quote}"
        return venue.replace("/", "-")


def mapping(value: object) -> Raw:
    """Check that an answer is a JSON object (``raw_data=True`` answers are plain JSON)."""
    if not isinstance(value, Mapping):
        raise MalformedAnswer(f"expected a JSON object, got {type(value).__name__}")
    return value


def mappings(value: object) -> list[Raw]:
    """Check that an answer is a JSON array of objects."""
    if not isinstance(value, list):
        raise MalformedAnswer(f"expected a JSON array, got {type(value).__name__}")
    return [mapping(item) for item in value]


def decimal(value: object) -> Decimal:
    """Parse a venue decimal (a string; ints tolerated), never via a float's binary value."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MalformedAnswer(f"not a decimal: {value!r}")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise MalformedAnswer(f"not a decimal: {value!r}") from None
    if not result.is_finite():
        raise MalformedAnswer(f"not a finite decimal: {value!r}")
    return result


def optional_decimal(value: object) -> Decimal | None:
    return None if value is None or value == "" else decimal(value)


def to_float(value: Decimal) -> float:
    """Return ``value`` as the float alpaca-py will send, or raise ValueError if inexact."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    digits = len(value.normalize().as_tuple().digits)
    result = float(value)
    if digits > FLOAT_DIGITS or Decimal(repr(result)) != value:
        raise ValueError(f"{value} does not survive the float alpaca-py sends")
    return result


def time_ns(text: object) -> int:
    """Parse an RFC 3339 time ("…T06:05:11.491840Z", up to 9 fraction digits) to ns; 0 if absent."""
    if not isinstance(text, str) or not text:
        return 0
    head, _, tail = text.partition(".")
    fraction = ""
    zone = ""
    if tail:
        digits = len(tail) - len(tail.lstrip("0123456789"))
        fraction, zone = tail[:digits], tail[digits:]
    else:
        for marker in ("Z", "+", "-"):
            cut = head.rfind(marker)
            if cut > 10:  # past the date's own dashes
                head, zone = head[:cut], head[cut:]
                break
    try:
        moment = datetime.fromisoformat(head + (zone or "Z"))
    except ValueError:
        return 0
    nanos = int((fraction + "000000000")[:9]) if fraction else 0
    return int(moment.timestamp()) * 1_000_000_000 + nanos


def rfc3339(ns: int) -> str:
    """Format epoch nanoseconds as Alpaca's RFC 3339 (microseconds, truncated toward the past)."""
    seconds, rest = divmod(max(ns, 0), 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{rest // 1000:06d}Z"


def side(word: object) -> Side:
    if word == "buy":
        return Side.BUY
    if word == "sell":
        return Side.SELL
    raise MalformedAnswer(f"unknown side {word!r}")


def status(word: str, filled: Decimal | None) -> VenueStatus:
    fixed = _FIXED_STATUS.get(word)
    if fixed is not None:
        return fixed
    if word in _WORKING:
        return VenueStatus.PARTIALLY_FILLED if filled else VenueStatus.NEW
    raise MalformedAnswer(f"unknown order status {word!r}")


def order(raw: Raw, symbols: SymbolMap) -> VenueOrder:
    """Translate an Alpaca Order object."""
    try:
        filled = optional_decimal(raw.get("filled_qty"))
        word = str(raw["status"])
        state = status(word, filled)
        return VenueOrder(
            client_id=str(raw["client_order_id"]),
            venue_order_id=str(raw["id"]),
            symbol=symbols.ours(str(raw["symbol"])),
            side=side(raw.get("side")),
            status=state,
            quantity=optional_decimal(raw.get("qty")) or ZERO,
            filled_quantity=filled,
            average_price=optional_decimal(raw.get("filled_avg_price")),
            limit_price=optional_decimal(raw.get("limit_price")),
            stop_price=optional_decimal(raw.get("stop_price")),
            reason=word if word in _TERMINAL_WORDS else "",
            replaces=str(raw.get("replaces") or ""),
            ts_ns=time_ns(raw.get("updated_at")),
        )
    except (KeyError, TypeError) as exc:
        raise MalformedAnswer(f"order without {exc}") from None


def oco_leg(raw: Raw, symbols: SymbolMap) -> VenueOrder | None:
    """The one leg (the stop) of an Alpaca OCO order, or None when it lists none."""
    legs = raw.get("legs") or []
    return order(mapping(legs[0]), symbols) if legs else None


def trade_update(data: Raw, symbols: SymbolMap) -> VenueReport:
    """Translate the ``data`` of a ``trade_updates`` message: a snapshot plus its fill."""
    try:
        snapshot = order(data["order"], symbols)
        if data.get("event") not in ("fill", "partial_fill"):
            return VenueReport(order=snapshot)
        fill = VenueFill(
            client_id=snapshot.client_id,
            venue_order_id=snapshot.venue_order_id,
            trade_id=str(data["execution_id"]),
            symbol=snapshot.symbol,
            side=snapshot.side,
            quantity=decimal(data["qty"]),
            price=decimal(data["price"]),
            cumulative=snapshot.filled_quantity,
            ts_ns=time_ns(data.get("timestamp")) or snapshot.ts_ns,
        )
    except (KeyError, TypeError) as exc:
        raise MalformedAnswer(f"trade update without {exc}") from None
    return VenueReport(order=snapshot, fills=(fill,))


def activity_fill(raw: Raw, symbols: SymbolMap) -> VenueFill:
    """Translate a FILL account activity.

    The activity id is "<time>::<execution id>"; the part after ``::`` is the
    ``execution_id`` the stream gave, so both paths share one trade id.
    """
    try:
        activity_id = str(raw["id"])
        return VenueFill(
            client_id="",
            venue_order_id=str(raw["order_id"]),
            trade_id=activity_id.rpartition("::")[2] or activity_id,
            symbol=symbols.ours(str(raw["symbol"])),
            side=side(raw.get("side")),
            quantity=decimal(raw["qty"]),
            price=decimal(raw["price"]),
            cumulative=optional_decimal(raw.get("cum_qty")),
            ts_ns=time_ns(raw.get("transaction_time")),
        )
    except (KeyError, TypeError) as exc:
        raise MalformedAnswer(f"fill activity without {exc}") from None


def position(raw: Raw, symbols: SymbolMap) -> VenuePosition:
    """Translate a Position; short positions come out negative whatever sign qty had."""
    try:
        size = abs(decimal(raw["qty"]))
        return VenuePosition(
            symbol=symbols.ours(str(raw["symbol"]), crypto=raw.get("asset_class") == "crypto"),
            quantity=-size if raw.get("side") == "short" else size,
            average_price=optional_decimal(raw.get("avg_entry_price")),
        )
    except (KeyError, TypeError) as exc:
        raise MalformedAnswer(f"position without {exc}") from None


def instrument(ours: str, raw: Raw) -> Instrument:
    """Translate an Asset into the increments its orders must respect."""
    try:
        price_step = optional_decimal(raw.get("price_increment")) or EQUITY_PRICE_INCREMENT
        quantity_step = optional_decimal(raw.get("min_trade_increment"))
        if quantity_step is None:
            quantity_step = FRACTIONAL_INCREMENT if raw.get("fractionable") else Decimal(1)
        return Instrument(
            symbol=ours,
            venue_symbol=str(raw["symbol"]),
            price_increment=price_step,
            quantity_increment=quantity_step,
            min_quantity=optional_decimal(raw.get("min_order_size")) or ZERO,
        )
    except (KeyError, TypeError) as exc:
        raise MalformedAnswer(f"asset without {exc}") from None


def balance(raw: Raw) -> VenueBalance:
    """The account's cash from ``/v2/account``; ``available`` is the buying power."""
    try:
        return VenueBalance(
            asset=str(raw.get("currency") or "USD"),
            total=decimal(raw["cash"]),
            available=decimal(raw["buying_power"]),
        )
    except KeyError as exc:
        raise MalformedAnswer(f"account without {exc}") from None


def account_values(raw: Raw) -> VenueAccount:
    """``/v2/account``: cash, equity, buying power and initial margin."""
    try:
        return VenueAccount(
            currency=str(raw.get("currency") or "USD"),
            cash=decimal(raw["cash"]),
            equity=decimal(raw["equity"]),
            buying_power=decimal(raw["buying_power"]),
            margin_used=decimal(raw.get("initial_margin") or "0"),
        )
    except KeyError as exc:
        raise MalformedAnswer(f"account without {exc}") from None
