"""ReportService: execution quality and risk denials; requests, types, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._convert import _dec, _opt_dec, denial_from_proto, format_decimal
from ._pb import _load
from .types import Denial

__all__ = [
    "COLUMNS",
    "DAILY_FIELDS",
    "DENIAL_FIELDS",
    "GROUPS",
    "DailyRow",
    "Denial",
    "Distribution",
    "QualityRow",
    "daily_csv",
    "daily_row_from_proto",
    "daily_table_rows",
    "denial_from_proto",
    "denials_csv",
    "denials_request",
    "quality_request",
    "quality_row_from_proto",
    "table_rows",
    "to_csv",
]

report_pb: Any = _load("report_service_pb2")
report_grpc: Any = _load("report_service_pb2_grpc")

GROUPS = ("venue", "account", "symbol", "strategy")


@dataclass(frozen=True, slots=True)
class Distribution:
    """Count, mean, median and 95th percentile (None when there were no values)."""

    count: int
    mean: Decimal | None
    p50: Decimal | None
    p95: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityRow:
    """One group's execution quality (see the server's ``engine/quality.py``)."""

    key: str
    orders: int
    filled_orders: int
    rejected_orders: int
    canceled_orders: int
    fills: int
    fill_rate: Decimal
    reject_rate: Decimal
    cancel_rate: Decimal
    slippage_arrival_bps: Distribution
    slippage_limit_bps: Distribution
    slippage_arrival_money: Decimal
    implementation_shortfall: Decimal
    ack_ms: Distribution
    first_fill_ms: Distribution


def quality_request(
    since: datetime | None, until: datetime | None, by: str, account: str | None
) -> Any:
    """Build the request; times must be timezone-aware, ``by`` one of :data:`GROUPS`."""
    if by not in GROUPS:
        raise ValueError(f"by must be one of {', '.join(GROUPS)}")
    request = report_pb.ExecutionQualityRequest(
        group_by=report_pb.QualityGrouping.Value(f"QUALITY_GROUPING_{by.upper()}"),
        account=account or "",
    )
    for field, value in (("start_time", since), ("end_time", until)):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError(f"{field} must be timezone-aware")
            getattr(request, field).FromDatetime(value)
    return request


def _distribution(m: Any) -> Distribution:
    return Distribution(m.count, _opt_dec(m.mean), _opt_dec(m.p50), _opt_dec(m.p95))


def quality_row_from_proto(m: Any) -> QualityRow:
    return QualityRow(
        key=m.key,
        orders=m.orders,
        filled_orders=m.filled_orders,
        rejected_orders=m.rejected_orders,
        canceled_orders=m.canceled_orders,
        fills=m.fills,
        fill_rate=_dec(m.fill_rate),
        reject_rate=_dec(m.reject_rate),
        cancel_rate=_dec(m.cancel_rate),
        slippage_arrival_bps=_distribution(m.slippage_arrival_bps),
        slippage_limit_bps=_distribution(m.slippage_limit_bps),
        slippage_arrival_money=_dec(m.slippage_arrival_money),
        implementation_shortfall=_dec(m.implementation_shortfall),
        ack_ms=_distribution(m.ack_ms),
        first_fill_ms=_distribution(m.first_fill_ms),
    )


#: Table and CSV columns: (header, value of a row).
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("key", lambda r: r.key),
    ("orders", lambda r: r.orders),
    ("filled", lambda r: r.filled_orders),
    ("fill_rate", lambda r: r.fill_rate),
    ("reject_rate", lambda r: r.reject_rate),
    ("cancel_rate", lambda r: r.cancel_rate),
    ("fills", lambda r: r.fills),
    ("slip_bps_mean", lambda r: r.slippage_arrival_bps.mean),
    ("slip_bps_p50", lambda r: r.slippage_arrival_bps.p50),
    ("slip_bps_p95", lambda r: r.slippage_arrival_bps.p95),
    ("slip_money", lambda r: r.slippage_arrival_money),
    ("vs_limit_bps_mean", lambda r: r.slippage_limit_bps.mean),
    ("shortfall", lambda r: r.implementation_shortfall),
    ("ack_ms_p50", lambda r: r.ack_ms.p50),
    ("ack_ms_p95", lambda r: r.ack_ms.p95),
    ("fill_ms_p50", lambda r: r.first_fill_ms.p50),
    ("fill_ms_p95", lambda r: r.first_fill_ms.p95),
)


def table_rows(rows: Iterable[QualityRow]) -> list[list[object]]:
    return [[get(r) for _, get in COLUMNS] for r in rows]


def to_csv(rows: Iterable[QualityRow]) -> str:
    """The rows as CSV with a header; decimals stay exact strings, none is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _ in COLUMNS])
    for row in table_rows(rows):
        writer.writerow(
            ["" if v is None else format_decimal(v) if isinstance(v, Decimal) else v for v in row]
        )
    return buffer.getvalue()


def denials_request(
    account: str | None, since: datetime | None, until: datetime | None, limit: int
) -> Any:
    request = report_pb.ListDenialsRequest(account=account or "", limit=limit)
    for field, value in (("start_time", since), ("end_time", until)):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError(f"{field} must be timezone-aware")
            getattr(request, field).FromDatetime(value)
    return request


DENIAL_FIELDS = (
    *("time", "account", "symbol", "side", "quantity", "type", "limit_price", "stop_price"),
    *("client_order_id", "strategy_id", "reason", "message"),
)


def denials_csv(denials: Iterable[Denial]) -> str:
    """The denials as CSV with a header; decimals stay exact strings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DENIAL_FIELDS)
    for d in denials:
        row = []
        for name in DENIAL_FIELDS:
            value = getattr(d, name)
            if value is None:
                row.append("")
            elif isinstance(value, Decimal):
                row.append(format_decimal(value))
            elif isinstance(value, datetime):
                row.append(value.isoformat())
            else:
                row.append(getattr(value, "name", None) or str(value))
        writer.writerow(row)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyRow:
    """One account and symbol's day (ReportService.DailyReport)."""

    account: str
    symbol: str
    trades: int
    bought: Decimal
    sold: Decimal
    volume: Decimal
    notional: Decimal
    fees: Decimal
    realized_pnl: Decimal
    average_buy_price: Decimal | None
    average_sell_price: Decimal | None
    max_drawdown: Decimal


def daily_row_from_proto(m: Any) -> DailyRow:
    return DailyRow(
        account=m.account,
        symbol=m.symbol,
        trades=m.trades,
        bought=_dec(m.bought),
        sold=_dec(m.sold),
        volume=_dec(m.volume),
        notional=_dec(m.notional),
        fees=_dec(m.fees),
        realized_pnl=_dec(m.realized_pnl),
        average_buy_price=_opt_dec(m.average_buy_price),
        average_sell_price=_opt_dec(m.average_sell_price),
        max_drawdown=_dec(m.max_drawdown),
    )


DAILY_FIELDS = (
    *("account", "symbol", "trades", "bought", "sold", "volume", "notional", "fees"),
    *("realized_pnl", "average_buy_price", "average_sell_price", "max_drawdown"),
)


def daily_table_rows(rows: Iterable[DailyRow]) -> list[list[object]]:
    return [[getattr(r, name) for name in DAILY_FIELDS] for r in rows]


def daily_csv(rows: Iterable[DailyRow]) -> str:
    """The rows as CSV with a header; decimals stay exact strings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DAILY_FIELDS)
    for row in daily_table_rows(rows):
        writer.writerow(
            ["" if v is None else format_decimal(v) if isinstance(v, Decimal) else v for v in row]
        )
    return buffer.getvalue()
