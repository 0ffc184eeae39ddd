"""Render client results for the CLI: aligned text tables or JSON.

Decimals are always written as plain strings (``0.00000010``, never ``1.0E-7``);
in JSON too, so no consumer ever parses money as a float.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

from ._convert import format_decimal
from .errors import FillgateError
from .types import (
    AccountPositions,
    Alert,
    Denial,
    ExecutionReport,
    HaltResult,
    Heartbeat,
    Order,
    ProtoEnum,
    RiskAlert,
    SessionEvent,
    StreamEvent,
    SubscriptionAck,
    SymbolInfo,
    TradingRestriction,
    TradingStateChanged,
    VenueDrift,
)

_EVENT_NAMES: Mapping[type[Any], str] = {
    SubscriptionAck: "subscribed",
    ExecutionReport: "execution_report",
    TradingStateChanged: "trading_state_changed",
    Heartbeat: "heartbeat",
    RiskAlert: "risk_alert",
    VenueDrift: "venue_drift",
    Alert: "alert",
    SessionEvent: "session",
}


def format_value(value: object) -> str:
    """Return the text of one table cell."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, ProtoEnum):
        return value.label
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Return rows as aligned columns under a header; numeric columns align right."""
    raw = [list(row) for row in rows]
    cells = [[format_value(v) for v in row] for row in raw]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    right = [
        any(row[i] is not None for row in raw)
        and all(row[i] is None or _is_number(row[i]) for row in raw)
        for i in range(len(headers))
    ]
    lines = []
    for row in [list(headers), *cells]:
        parts = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def format_fields(pairs: Iterable[tuple[str, object]]) -> str:
    """Return ``name  value`` lines for one record, skipping empty values."""
    shown = [(k, format_value(v)) for k, v in pairs]
    shown = [(k, v) for k, v in shown if v != ""]
    width = max((len(k) for k, _ in shown), default=0)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in shown)


def duration_text(value: timedelta) -> str:
    """A duration as protobuf's JSON mapping writes it: "60s", "0.5s"."""
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    seconds, fraction = divmod(micros, 1_000_000)
    return f"{seconds}.{fraction:06d}".rstrip("0").rstrip(".") + "s"


def to_jsonable(value: Any) -> Any:
    """Return ``value`` as plain JSON types: Decimals as strings, enums by name."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, ProtoEnum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def event_json(event: StreamEvent) -> str:
    """Return one stream event as a single JSON line, tagged with its kind."""
    return json.dumps({"event": _EVENT_NAMES[type(event)], **to_jsonable(event)})


def document_json(value: Any) -> str:
    """Return a result as an indented JSON document."""
    return json.dumps(to_jsonable(value), indent=2)


def format_records(columns: Sequence[tuple[str, str]], records: Iterable[object]) -> str:
    """Return records as a table of ``(header, attribute)`` columns."""
    rows = [[getattr(r, attribute) for _, attribute in columns] for r in records]
    return format_table([header for header, _ in columns], rows)


ORDER_COLUMNS = (
    ("ORDER_ID", "order_id"),
    ("CLIENT_ORDER_ID", "client_order_id"),
    ("ACCOUNT", "account"),
    ("SYMBOL", "symbol"),
    ("SIDE", "side"),
    ("TYPE", "type"),
    ("TIF", "time_in_force"),
    ("QTY", "quantity"),
    ("LIMIT", "limit_price"),
    ("STOP", "stop_price"),
    ("FILLED", "filled_quantity"),
    ("AVG_PRICE", "average_fill_price"),
    ("STATE", "state"),
    ("UPDATED", "update_time"),
)
POSITION_COLUMNS = (
    ("SYMBOL", "symbol"),
    ("QTY", "quantity"),
    ("AVG_PRICE", "average_price"),
    ("MARK", "mark_price"),
    ("MARKET_VALUE", "market_value"),
    ("UNREALIZED", "unrealized_pnl"),
    ("REALIZED", "realized_pnl"),
    ("FEES", "fees"),
)
TOTALS_COLUMNS = (
    ("CASH", "cash"),
    ("EQUITY", "equity"),
    ("UNREALIZED", "unrealized_pnl"),
    ("REALIZED", "realized_pnl"),
    ("FEES", "fees"),
    ("GROSS", "gross_exposure"),
    ("NET", "net_exposure"),
    ("OPEN", "open_positions"),
)
RESTRICTION_COLUMNS = (
    ("SCOPE", "scope"),
    ("TARGET", "target"),
    ("MODE", "mode"),
    ("BY", "requested_by"),
    ("SINCE", "set_time"),
    ("REASON", "reason"),
)
SYMBOL_COLUMNS = (
    ("SYMBOL", "symbol"),
    ("REFERENCE_PRICE", "reference_price"),
    ("PRICE_DP", "price_precision"),
    ("QTY_DP", "quantity_precision"),
    ("UPDATED", "update_time"),
)


def orders_table(orders: Sequence[Order]) -> str:
    """Return orders as a table."""
    return format_records(ORDER_COLUMNS, orders) if orders else "no orders"


def order_fields(order: Order) -> str:
    """Return one order as ``name  value`` lines."""
    pairs: list[tuple[str, object]] = []
    for f in dataclasses.fields(order):
        value = getattr(order, f.name)
        if f.name == "tags":
            value = " ".join(f"{k}={v}" for k, v in sorted(order.tags.items()))
        pairs.append((f.name, value))
    return format_fields(pairs)


def at_precision(value: Decimal | None, places: int | None) -> Decimal | None:
    """Round a price for display to ``places`` decimals (None: as it is)."""
    if value is None or places is None:
        return value
    return value.quantize(Decimal(1).scaleb(-places))


def _age(now: datetime, since: datetime | None) -> str | None:
    """How long ago ``since`` was, as 1d2h, 3h4m, 5m6s or 7s."""
    if since is None:
        return None
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def positions_text(
    snapshots: Sequence[AccountPositions], price_places: Mapping[str, int] | None = None
) -> str:
    """Return one positions table per account, each followed by its totals.

    With ``price_places`` (symbol -> price precision), the average price and
    the mark print at the symbol's precision; the wire and ``--json`` keep
    full precision (an exact average is a long fraction).
    """
    if not snapshots:
        return "no positions"
    places = price_places or {}
    blocks = []
    for snap in snapshots:
        rows = [
            dataclasses.replace(
                p,
                average_price=at_precision(p.average_price, places.get(p.symbol)),
                mark_price=at_precision(p.mark_price, places.get(p.symbol)),
            )
            for p in snap.positions
        ]
        now = datetime.now(UTC)
        positions = (
            format_table(
                [h for h, _ in POSITION_COLUMNS] + ["OPENED", "AGE"],
                [
                    [getattr(p, a) for _, a in POSITION_COLUMNS]
                    + [p.open_time, _age(now, p.open_time)]
                    for p in rows
                ],
            )
            if rows
            else "(none)"
        )
        totals = format_records(TOTALS_COLUMNS, [snap.totals])
        blocks.append(f"account {snap.account}\n{positions}\n\ntotals\n{totals}")
    return "\n\n".join(blocks)


def restrictions_table(restrictions: Sequence[TradingRestriction]) -> str:
    """Return the restrictions in force, or say that trading is active."""
    if not restrictions:
        return "no restrictions: all trading is active"
    return format_records(RESTRICTION_COLUMNS, restrictions)


def halt_text(result: HaltResult) -> str:
    """Return the restriction set by a halt and the orders it canceled or sent."""
    parts = [restrictions_table([result.restriction])]
    if result.canceled_orders:
        parts.append("canceled orders\n" + orders_table(result.canceled_orders))
    if result.flatten_orders:
        parts.append("flatten orders\n" + orders_table(result.flatten_orders))
    return "\n\n".join(parts)


def symbols_table(symbols: Sequence[SymbolInfo]) -> str:
    """Return symbols as a table."""
    return format_records(SYMBOL_COLUMNS, symbols) if symbols else "no symbols"


def event_line(event: StreamEvent) -> str:
    """Return a stream event as one line of text."""
    if isinstance(event, ExecutionReport):
        return _report_line(event)
    if isinstance(event, TradingStateChanged):
        target = f" {event.target}" if event.target else ""
        reason = f": {event.reason}" if event.reason else ""
        return (
            f"{event.sequence:>6}  {format_value(event.change_time)}  trading "
            f"{event.scope.label}{target} -> {event.mode.label}  by {event.requested_by}{reason}"
        )
    if isinstance(event, RiskAlert):
        where = f" {event.symbol}" if event.symbol else ""
        return (
            f"{event.sequence:>6}  {format_value(event.alert_time)}  RISK ALERT "
            f"{event.breaker.label} {event.account}{where} -> {event.mode.label}: {event.message}"
        )
    if isinstance(event, VenueDrift):
        return _drift_line(event)
    if isinstance(event, Alert):
        where = "".join(f" {x}" for x in (event.account, event.symbol) if x)
        return (
            f"{event.sequence:>6}  {format_value(event.alert_time)}  ALERT "
            f"{event.kind.label}{where}: {event.message}"
        )
    if isinstance(event, SessionEvent):
        return (
            f"{event.sequence:>6}  {format_value(event.event_time)}  MARKET {event.symbol} "
            f"({event.calendar}) -> {event.phase.label}"
        )
    if isinstance(event, Denial):
        prices = (("@", event.limit_price), ("stop", event.stop_price))
        price = "".join(f" {k} {format_value(v)}" for k, v in prices if v is not None)
        return (
            f"{event.sequence:>6}  {format_value(event.time)}  DENIED {event.account} "
            f"{event.symbol} {event.side.label} {format_value(event.quantity)}{price} "
            f"[{event.client_order_id}]: {event.reason}: {event.message}"
        )
    if isinstance(event, SubscriptionAck):
        return (
            f"subscribed {event.subscription_id}: head {event.head_sequence}, "
            f"first {event.first_sequence}"
        )
    return f"heartbeat: head {event.head_sequence}"


def _drift_line(d: VenueDrift) -> str:
    where = f" {d.symbol}" if d.symbol else ""
    values = f" (ours {d.ours or '-'}, venue {d.venue or '-'})" if d.ours or d.venue else ""
    return (
        f"{d.sequence:>6}  {format_value(d.detected_time)}  VENUE DRIFT "
        f"{d.kind.label} {d.account}{where}{values}: {d.message}"
    )


def _report_line(r: ExecutionReport) -> str:
    progress = f"cum {format_value(r.cumulative_quantity)}/{format_value(r.order_quantity)}"
    if r.last_quantity is not None:
        progress += f"  last {format_value(r.last_quantity)} @ {format_value(r.last_price)}"
    parts = [
        f"{r.sequence:>6}",
        format_value(r.transact_time),
        r.account,
        r.symbol,
        f"{r.side.label:<4}",
        f"{r.exec_type.label:<16}",
        f"{r.order_state.label:<16}",
        progress,
        f"avg {format_value(r.average_price)}" if r.average_price is not None else "",
        r.order_id,
        r.reason,
    ]
    if r.position is not None:
        parts.append(f"position {r.position.lifecycle.label} {format_value(r.position.quantity)}")
    return "  ".join(p for p in parts if p)


def print_error(error: FillgateError, stream: TextIO, *, as_json: bool = False) -> None:
    """Write a failed RPC to ``stream``: reason, message and every violation."""
    if as_json:
        payload = {
            "error": {
                "code": error.code.name,
                "reason": error.reason,
                "message": error.message,
                "metadata": error.metadata,
                "field_violations": [
                    {"field": f, "description": d} for f, d in error.field_violations
                ],
            }
        }
        print(json.dumps(payload), file=stream)
        return
    print(f"error: {error}", file=stream)
    for line in violation_lines(error):
        print(f"  {line}", file=stream)


def violation_lines(error: FillgateError) -> list[str]:
    """Return one line per violation, leaving out those the message already says."""
    lines = []
    for field, description in error.field_violations:
        if not (field in error.message and description in error.message):
            lines.append(f"{field}: {description}")
    for kind, subject, description in error.precondition_violations:
        if description not in error.message:
            lines.append(" ".join(p for p in (kind, subject) if p) + f": {description}")
    return lines
