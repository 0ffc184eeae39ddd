"""Requests and CSV rows for the journal audit (AuditService.ListExecutions)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ._pb import _load
from .types import ExecutionReport

audit_pb: Any = _load("audit_service_pb2")
audit_grpc: Any = _load("audit_service_pb2_grpc")

CSV_FIELDS = (
    "sequence",
    "transact_time",
    "exec_id",
    "exec_type",
    "order_state",
    "account",
    "symbol",
    "side",
    "order_id",
    "client_order_id",
    "venue_order_id",
    "venue_exec_id",
    "order_quantity",
    "limit_price",
    "stop_price",
    "last_quantity",
    "last_price",
    "cumulative_quantity",
    "leaves_quantity",
    "average_price",
    "fee",
    "reason",
    "strategy_id",
    "requested_by",
)


def list_executions_request(
    account: str | None,
    symbol: str | None,
    order_id: str | None,
    since: datetime | None,
    until: datetime | None,
    trades_only: bool,
    page_token: str,
) -> Any:
    """Build one page's request; times must be timezone-aware."""
    request = audit_pb.ListExecutionsRequest(
        account=account or "",
        symbol=symbol or "",
        order_id=order_id or "",
        trades_only=trades_only,
        page_token=page_token,
    )
    for field, value in (("start_time", since), ("end_time", until)):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError(f"{field} must be timezone-aware")
            getattr(request, field).FromDatetime(value)
    return request


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else str(value)


def to_csv(reports: Iterable[ExecutionReport]) -> str:
    """Return the reports as CSV with a header row; decimals stay exact strings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in reports:
        writer.writerow([_cell(getattr(r, f, None)) for f in CSV_FIELDS])
    return buffer.getvalue()
