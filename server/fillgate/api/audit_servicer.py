"""fillgate.v1.AuditService: execution history read back from the journal."""

from __future__ import annotations

import asyncio
from typing import Any

from fillgate.api import convert
from fillgate.api.errors import translated
from fillgate.domain.enums import ExecType
from fillgate.domain.errors import FailedPrecondition, InvalidArgument, Violations
from fillgate.domain.reports import ExecutionReport
from fillgate.engine.engine import Engine
from fillgate.engine.history import CHUNK, iter_stream_events
from fillgate.v1 import audit_service_pb2 as pb
from fillgate.v1 import audit_service_pb2_grpc as pb_grpc

DEFAULT_PAGE = 1000
MAX_PAGE = 10_000


def _after(token: str) -> int:
    if not token:
        return 0
    if token.startswith("seq:") and token[4:].isdigit():
        return int(token[4:])
    raise InvalidArgument([("page_token", "is not a token this server issued")])


class AuditServicer(pb_grpc.AuditServiceServicer):  # type: ignore[misc]
    """Scans the journal; yields to the event loop every few thousand records."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @translated
    async def ListExecutions(self, request: Any, context: Any) -> pb.ListExecutionsResponse:
        journal = self._engine.journal
        if journal is None:
            raise FailedPrecondition(
                "JOURNAL_OFF", "the journal is off: there is no history to audit"
            )
        v = Violations()
        if request.page_size > MAX_PAGE:
            v.add("page_size", f"must be at most {MAX_PAGE}")
        after = _after(request.page_token)
        v.raise_if_any()
        size = request.page_size or DEFAULT_PAGE
        start = request.start_time.ToNanoseconds() if request.HasField("start_time") else None
        end = request.end_time.ToNanoseconds() if request.HasField("end_time") else None
        await journal.durable()  # the scan then sees everything acknowledged so far
        out: list[Any] = []
        token = ""
        history = iter_stream_events(journal.path, self._engine.state.blank())
        for index, (_, item) in enumerate(history):
            if index % CHUNK == 0:
                await asyncio.sleep(0)
            if item is None or item.sequence <= after:
                continue
            report = item.payload
            if not isinstance(report, ExecutionReport):
                continue
            order, ts = report.order, report.event.ts_ns
            if (
                (request.account and order.account != request.account)
                or (request.symbol and order.symbol != request.symbol)
                or (request.order_id and order.order_id != request.order_id)
                or (request.trades_only and report.exec_type is not ExecType.TRADE)
                or (start is not None and ts < start)
                or (end is not None and ts >= end)
            ):
                continue
            if len(out) == size:
                token = f"seq:{out[-1].sequence}"
                break
            out.append(convert.execution_report(item))
        return pb.ListExecutionsResponse(executions=out, next_page_token=token)
