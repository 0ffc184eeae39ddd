"""OANDA's transactions: the stream of order reports, and the backfill of fills.

Both keep the books of the driver's :class:`~.tracker.OrderTracker`: every
transaction read through it updates the order it concerns and the trade an
entry's fill opened (what :mod:`.protection` puts a bracket's exits on), and
anchors its id to the time it was read (where a backfill starts).

The stream runs oandapyV20's blocking generator on a thread of its own
(:mod:`.stream`), like the pricing stream (:mod:`.pricing`): up is reported on
the first line of a connection, down once per outage, with backoff between
attempts and at most 2 new connections per second (OANDA's limit).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import oandapyV20.endpoints.transactions as transactions

from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.oanda import translate
from fillgate.venues.oanda.errors import OandaResponseError
from fillgate.venues.oanda.stream import StreamConnection, StreamEnded
from fillgate.venues.oanda.translate import Json
from fillgate.venues.types import StreamStatus, VenueFill, VenueReport

if TYPE_CHECKING:
    from fillgate.venues.oanda.driver import OandaDriver

log = logging.getLogger("fillgate.venues.oanda.driver")

#: OANDA allows 2 new connections per second.
MIN_CONNECT_INTERVAL_S = 0.5
#: Backfill by time starts this much earlier, for clock skew between us and OANDA.
CLOCK_SKEW_NS = 60 * 1_000_000_000
#: Transactions one backfill reads at most, the newest ones: ``fetch_fills(0)``
#: (the runtime's first sync) must not walk an account's whole history.
MAX_BACKFILL_TRANSACTIONS = 5_000
MAX_BACKFILL_PAGES = 20


async def fills_since(driver: OandaDriver, since_ns: int) -> list[VenueFill]:
    """Every ORDER_FILL since ``since_ns`` (wall-clock ns), read via ``/transactions/sinceid``.

    It starts after the newest transaction id known to predate
    ``since_ns`` (see :mod:`.tracker`); before the driver knew any, it
    finds the first id by time range (``/transactions?from=``, a minute
    earlier for clock skew). At most the newest
    ``MAX_BACKFILL_TRANSACTIONS`` are read, so ``since_ns=0`` is bounded.
    """
    tracker, account = driver.tracker, driver.venue_account
    start = tracker.anchor_before(since_ns)
    if start is None:
        since = translate.time_text(max(0, since_ns - CLOCK_SKEW_NS))
        params = {"from": since, "pageSize": 1000}
        answer = await driver.request(transactions.TransactionList(account, params))
        first = translate.first_page_id(answer)
        if first is None:
            return []
        start = first - 1
    newest = tracker.newest_id()
    if newest - start > MAX_BACKFILL_TRANSACTIONS:
        log.warning(
            "event=oanda_backfill_limited newest=%d account=%s from_id=%d",
            MAX_BACKFILL_TRANSACTIONS,
            driver.account_name,
            start,
        )
        start = newest - MAX_BACKFILL_TRANSACTIONS
    fills: list[VenueFill] = []
    for _ in range(MAX_BACKFILL_PAGES):
        params = {"id": str(start)}
        answer = await driver.request(transactions.TransactionsSinceID(account, params))
        txns, start, done = translate.sinceid_page(answer, start)
        for txn in txns:
            _, fill = tracker.apply(txn)
            if fill is not None:
                fills.append(fill)
        if done:
            break
    return fills


async def ended(driver: OandaDriver, report: VenueReport, ending: str) -> VenueReport:
    """``report`` with the transaction ``ending`` that ended its order (cancel or fill).

    Order details state neither the cancel reason nor the fill: the ending
    transaction is what tells an order refused at once (REJECTED) from one
    cancelled later, and what gives the fill's price.
    """
    try:
        detail = await driver.request(transactions.TransactionDetails(driver.venue_account, ending))
    except Exception as exc:
        if driver.classify(exc).kind is ErrorKind.NOT_FOUND:
            return report  # the state without its reason still answers the query
        raise
    txn = detail.get("transaction")
    tracker = driver.tracker
    order, fill = tracker.apply(txn) if isinstance(txn, dict) else (None, None)
    if order is None:
        return report
    fills = (fill,) if fill is not None else ()
    return VenueReport(order=tracker.snapshot(order, fills_known=False), fills=fills)


async def report_stream(driver: OandaDriver) -> AsyncIterator[VenueReport | StreamStatus]:
    """Yield the transactions stream's reports forever, reconnecting by itself.

    Up is reported on the first line of a connection (a transaction or a
    heartbeat): the SDK sends the request only when the first line is
    asked for. Down is reported once per outage, not per failed attempt.

    It also ends when its consumer's task has a cancellation pending that
    never arrived as CancelledError (Python 3.11's ``asyncio.wait_for``
    drops one when the awaited call finishes in the same loop turn):
    without this check it would read heartbeats forever.
    """
    if not driver.opened and not driver.closed:
        raise VenueFailure(ErrorKind.FATAL, "oanda: stream() before open()")
    account = driver.account_name
    up: bool | None = None
    failures = 0
    while not driver.closed:
        await asyncio.sleep(max(0.0, driver.last_connect + MIN_CONNECT_INTERVAL_S - driver.now_s()))
        driver.last_connect = driver.now_s()
        connection = driver.connection = StreamConnection(
            driver.transaction_lines, name=f"oanda-stream-{account}"
        )
        detail = "stream closed by the venue"
        try:
            while (message := await connection.get()) is not None:
                _raise_if_cancelling()
                if up is not True:
                    up, failures = True, 0
                    log.debug("event=oanda_stream_up account=%s", account)
                    yield StreamStatus(up=True)
                report = _on_message(driver, message)
                if report is not None:
                    yield report
            return  # stopped by close()
        except StreamEnded as ended:
            if ended.error is not None:
                detail = driver.classify(ended.error).message
        finally:
            connection.stop()
        if driver.closed:
            return
        failures += 1
        if up is not False:
            up = False
            log.debug("event=oanda_stream_down account=%s detail=%r", account, detail)
            yield StreamStatus(up=False, detail=detail)
        await asyncio.sleep(driver.backoff.delay(failures - 1))


def _on_message(driver: OandaDriver, message: Json) -> VenueReport | None:
    if not isinstance(message, dict):
        return None
    tracker = driver.tracker
    now = driver.now_ns()
    if message.get("type") == "HEARTBEAT":
        tracker.anchor(message.get("lastTransactionID"), now)
        return None
    tracker.anchor(message.get("id"), now)
    try:
        return tracker.report(message)
    except OandaResponseError as exc:
        log.warning("event=oanda_stream_message_skipped detail=%r", driver.classify(exc).message)
        return None


def _raise_if_cancelling() -> None:
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
