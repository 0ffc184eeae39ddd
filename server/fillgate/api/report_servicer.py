"""fillgate.v1.ReportService: execution quality and risk denials read back from the journal."""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime
from typing import ClassVar

from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api.authorization import current, readable_accounts
from fillgate.api.commands import _time_ns
from fillgate.api.convert import denial
from fillgate.api.errors import Context, translated
from fillgate.domain.errors import Violations
from fillgate.domain.values import fmt
from fillgate.engine.daily import DailyRow, daily_report
from fillgate.engine.engine import Engine
from fillgate.engine.quality import (
    Distribution,
    GroupBy,
    QualityBook,
    QualityRow,
    execution_quality,
    list_denials,
)
from fillgate.v1 import report_service_pb2 as pb
from fillgate.v1 import report_service_pb2_grpc as pb_grpc

_GROUPS = {
    pb.QUALITY_GROUPING_UNSPECIFIED: GroupBy.VENUE,
    pb.QUALITY_GROUPING_VENUE: GroupBy.VENUE,
    pb.QUALITY_GROUPING_ACCOUNT: GroupBy.ACCOUNT,
    pb.QUALITY_GROUPING_SYMBOL: GroupBy.SYMBOL,
    pb.QUALITY_GROUPING_STRATEGY: GroupBy.STRATEGY,
}


def quality_book(req: pb.ExecutionQualityRequest, accounts: Container[str]) -> QualityBook:
    """The request as a :class:`QualityBook`, or InvalidArgument naming each bad field."""
    v = Violations()
    start = _time_ns(v, "start_time", req.start_time) if req.HasField("start_time") else None
    end = _time_ns(v, "end_time", req.end_time) if req.HasField("end_time") else None
    group = _GROUPS.get(req.group_by)
    if group is None:
        v.add("group_by", f"{req.group_by} is not a known QualityGrouping")
    if req.account:
        v.require_known("account", [req.account], accounts, "account")
    v.raise_if_any()
    assert group is not None
    return QualityBook(group, accounts=_readable(req.account, accounts), start_ns=start, end_ns=end)


def _readable(account: str, configured: Container[str]) -> frozenset[str]:
    """The accounts a report may show the caller: the one asked for, else all it may read.

    Empty means every account (a caller who reads everything, or authentication off).
    """
    requested = [account] if account else []
    return frozenset(readable_accounts(current(), requested, configured))  # type: ignore[arg-type]


DENIALS_LIMIT = (1000, 10_000)  # default, maximum


_DAY_NS = 86_400 * 1_000_000_000


def day_window(text: str, now_ns: int) -> tuple[str, int, int]:
    """The day named ``text`` (YYYY-MM-DD, "" for today's UTC date) as [start, end) in ns."""
    v = Violations()
    try:
        day = date.fromisoformat(text) if text else datetime.fromtimestamp(now_ns / 1e9, UTC).date()
    except ValueError:
        v.add("date", f"{text!r} is not a date as YYYY-MM-DD")
        day = date(1970, 1, 1)
    v.raise_if_any()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    start_ns = int(start.timestamp()) * 1_000_000_000
    return day.isoformat(), start_ns, start_ns + _DAY_NS


def daily_row(r: DailyRow) -> pb.DailyRow:
    return pb.DailyRow(
        account=r.account,
        symbol=r.symbol,
        trades=r.trades,
        bought=fmt(r.bought),
        sold=fmt(r.sold),
        volume=fmt(r.volume),
        notional=fmt(r.notional),
        fees=fmt(r.fees),
        realized_pnl=fmt(r.realized_pnl),
        average_buy_price=fmt(r.average_buy_price),
        average_sell_price=fmt(r.average_sell_price),
        max_drawdown=fmt(r.max_drawdown),
    )


def _distribution(d: Distribution) -> pb.Distribution:
    return pb.Distribution(count=d.count, mean=fmt(d.mean), p50=fmt(d.p50), p95=fmt(d.p95))


def quality_row(r: QualityRow) -> pb.QualityRow:
    return pb.QualityRow(
        key=r.key,
        orders=r.orders,
        filled_orders=r.filled,
        rejected_orders=r.rejected,
        canceled_orders=r.canceled,
        fills=r.fills,
        fill_rate=fmt(r.fill_rate),
        reject_rate=fmt(r.reject_rate),
        cancel_rate=fmt(r.cancel_rate),
        slippage_arrival_bps=_distribution(r.slippage_arrival_bps),
        slippage_limit_bps=_distribution(r.slippage_limit_bps),
        slippage_arrival_money=fmt(r.slippage_arrival_money),
        implementation_shortfall=fmt(r.implementation_shortfall),
        ack_ms=_distribution(r.ack_ms),
        first_fill_ms=_distribution(r.first_fill_ms),
    )


class ReportServicer(pb_grpc.ReportServiceServicer):  # type: ignore[misc]
    """fillgate.v1.ReportService."""

    service: ClassVar[ServiceDescriptor] = pb.DESCRIPTOR.services_by_name["ReportService"]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @translated
    async def ExecutionQuality(
        self, request: pb.ExecutionQualityRequest, context: Context
    ) -> pb.ExecutionQualityResponse:
        engine = self._engine
        book = quality_book(request, engine.universe.accounts)
        await execution_quality(engine.journal, engine.state.blank(), book)
        return pb.ExecutionQualityResponse(rows=[quality_row(r) for r in book.rows()])

    @translated
    async def ListDenials(
        self, request: pb.ListDenialsRequest, context: Context
    ) -> pb.ListDenialsResponse:
        v = Violations()
        req = request
        start = _time_ns(v, "start_time", req.start_time) if req.HasField("start_time") else None
        end = _time_ns(v, "end_time", req.end_time) if req.HasField("end_time") else None
        if req.account:
            v.require_known("account", [req.account], self._engine.universe.accounts, "account")
        default, maximum = DENIALS_LIMIT
        if req.limit > maximum:
            v.add("limit", f"must be at most {maximum}")
        v.raise_if_any()
        found, truncated = await list_denials(
            self._engine.journal,
            accounts=_readable(req.account, self._engine.universe.accounts),
            start_ns=start,
            end_ns=end,
            limit=req.limit or default,
        )
        denials = [denial(d, seq) for seq, d in found]
        return pb.ListDenialsResponse(denials=denials, truncated=truncated)

    @translated
    async def DailyReport(
        self, request: pb.DailyReportRequest, context: Context
    ) -> pb.DailyReportResponse:
        engine = self._engine
        day, start, end = day_window(request.date, engine.clock.now_ns())
        if request.account:
            v = Violations()
            v.require_known("account", [request.account], engine.universe.accounts, "account")
            v.raise_if_any()
        accounts = _readable(request.account, engine.universe.accounts)
        rows = await daily_report(engine.journal, engine.state.blank(), start, end, accounts)
        return pb.DailyReportResponse(date=day, rows=[daily_row(r) for r in rows])
