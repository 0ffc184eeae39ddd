"""Audit queries: execution reports read back from the journal, filtered and paged.

The scan folds the journal from the start into a blank state
(``engine/history.py``, the same fold as live trading)
and yields to the event loop every few thousand records, so a long audit
never stalls the order path.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fillgate.domain.enums import ExecType
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.paging import Page, PageRequest
from fillgate.domain.reports import ExecutionReport
from fillgate.engine.fold import State
from fillgate.engine.history import CHUNK, iter_stream_events
from fillgate.journal.journal import Journal
from fillgate.streams.bus import BusEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionQuery:
    """Which reports an audit keeps; empty fields keep everything. Times in ns, end excluded."""

    account: str = ""
    symbol: str = ""
    order_id: str = ""
    trades_only: bool = False
    start_ns: int | None = None
    end_ns: int | None = None
    #: The accounts the caller may read (None: every account).
    readable: frozenset[str] | None = None

    def matches(self, report: ExecutionReport) -> bool:
        order, ts = report.order, report.event.ts_ns
        return (
            (not self.account or order.account == self.account)
            and (self.readable is None or order.account in self.readable)
            and (not self.symbol or order.symbol == self.symbol)
            and (not self.order_id or order.order_id == self.order_id)
            and (not self.trades_only or report.exec_type is ExecType.TRADE)
            and (self.start_ns is None or ts >= self.start_ns)
            and (self.end_ns is None or ts < self.end_ns)
        )


async def list_executions(
    journal: Journal | None, blank: State, query: ExecutionQuery, page: PageRequest
) -> Page[BusEvent]:
    """Return one page of matching reports in sequence order.

    A position is the last stream sequence returned: the next page starts after it.
    ``blank`` is a state before the first event (``State.blank()``).
    """
    if journal is None:
        raise FailedPrecondition("JOURNAL_OFF", "the journal is off: there is no history to audit")
    await journal.durable()  # the scan then sees everything acknowledged so far
    out: list[BusEvent] = []
    for index, (_, item) in enumerate(iter_stream_events(journal.path, blank)):
        if index % CHUNK == 0:
            await asyncio.sleep(0)
        if item is None or item.sequence <= page.start:
            continue
        report = item.payload
        if not isinstance(report, ExecutionReport) or not query.matches(report):
            continue
        if len(out) == page.size:
            return Page(items=out, next_start=out[-1].sequence)
        out.append(item)
    return Page(items=out, next_start=None)
