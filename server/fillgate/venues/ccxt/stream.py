"""The user-data stream: ccxt.pro watches kept pending, turned into venue reports.

Binance spot serves orders and trades over one WebSocket API subscription
(``userDataStream.subscribe.signature``). Per connection this module runs two
pumps, each keeping one watch permanently pending, because a ccxt watch only
resolves for messages arriving while it waits, and an item that arrives in
between surfaces only with the next message:

- ``watch_my_trades``: one item per execution (``x=TRADE``) whose ``info`` is
  the raw executionReport: one fill (``t``/``l``/``L``/``n``/``z``) plus the
  order's state after it;
- ``watch_orders``: the other events (NEW, CANCELED, EXPIRED, REJECTED). Its
  cache holds each order's *latest* event, so an order whose latest event is a
  trade is skipped here: the trade pump reports it with its fill.

Both pumps re-arm without yielding to the loop, and the trade pump resumes
first when one message resolves both, so a fill is never reported after a
later cancel of its order.

**Up** is yielded once the exchange's ``authenticate()`` returns, which for
Binance spot is when the venue acknowledged the subscription (a
``subscriptionId``). ccxt raises its "subscribed" flag before it sends the
request, so only the *first* caller of ``authenticate()`` really waits for
the answer: the subscription is therefore started before the pumps, whose
own calls return at once and arm both watches before the acknowledgement
can arrive. No event is missed between up and the first report.

**Down** is yielded once per outage: when a watch or the subscription fails
(ccxt raises ``NetworkError`` when the socket closes, and cancels its
futures when a client is closed), or the acknowledgement does not come
within ``timeout_s``. The WebSocket clients are then closed, so the next
attempt dials and subscribes afresh after a short backoff (0.05 s doubling
to 1 s; 30 s after a FATAL failure such as a refused key). ccxt's own dial
backoff is cleared first: this loop is the only pacing. A report the driver
cannot read also ends the connection: the reconnect's backfill replaces it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any, Protocol

from ccxt.base.errors import NetworkError, RequestTimeout

from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.types import StreamStatus, VenueReport

log = logging.getLogger("fillgate.venues.ccxt")

_BASE_DELAY_S = 0.05
_MAX_DELAY_S = 1.0
_FATAL_DELAY_S = 30.0
_CLOSE_WS_S = 2.0

Item = VenueReport | BaseException
Convert = Callable[[Mapping[str, Any]], VenueReport | None]


class StreamHost(Protocol):
    """What the stream needs of its driver (:class:`~.driver.CcxtDriver` provides it)."""

    def exchange(self) -> Any:
        """The open ccxt.pro instance."""
        ...

    def closing(self) -> asyncio.Event:
        """Set once the driver began closing: the stream ends instead of reconnecting."""
        ...

    def trade_report(self, trade: Mapping[str, Any]) -> VenueReport | None: ...

    def order_report(self, order: Mapping[str, Any]) -> VenueReport | None: ...

    def classify(self, exc: BaseException) -> VenueFailure: ...


class UserStream:
    """One run of a driver's stream: connect, subscribe, pump, reconnect, until closed.

    ``timeout_s`` bounds the wait for the subscription's acknowledgement.
    """

    def __init__(self, driver: StreamHost, *, account: str, timeout_s: float) -> None:
        self._driver = driver
        self._closing = driver.closing()
        self._account = account
        self._timeout_s = timeout_s

    async def run(self) -> AsyncGenerator[VenueReport | StreamStatus, None]:
        attempt = 0
        announce_down = True  # once per outage: the first failure, not every retry
        while not self._closing.is_set():
            exchange = self._driver.exchange()
            # ccxt delays re-dials after a failed one; our backoff below already paces them.
            exchange.ws_dial_backoff = {}
            queue: asyncio.Queue[Item] = asyncio.Queue()
            # Created before the pumps so it runs first (see the module docstring).
            subscribed = asyncio.ensure_future(self._subscribe(exchange))
            pumps = [
                asyncio.create_task(
                    self._pump(exchange.watch_my_trades, self._driver.trade_report, queue)
                ),
                asyncio.create_task(
                    self._pump(exchange.watch_orders, self._driver.order_report, queue)
                ),
            ]
            fatal, detail = False, ""
            try:
                await asyncio.sleep(0)  # let the three start and register their futures
                _retrieve_rejections(exchange)
                await self._confirmed(subscribed)
                attempt, announce_down = 0, True
                yield StreamStatus(up=True)
                while True:
                    item = await queue.get()
                    if isinstance(item, BaseException):
                        raise item
                    yield item
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._closing.is_set():
                    return
                failure = self._driver.classify(exc)
                fatal = failure.kind is ErrorKind.FATAL
                detail = failure.message or "the stream failed"
            finally:
                for task in (subscribed, *pumps):
                    task.cancel()
                await asyncio.gather(subscribed, *pumps, return_exceptions=True)
            await self._reset(exchange)
            log.debug("event=ccxt_stream_down account=%s detail=%r", self._account, detail)
            if announce_down:
                announce_down = False
                yield StreamStatus(up=False, detail=detail)
            delay = _FATAL_DELAY_S if fatal else min(_MAX_DELAY_S, _BASE_DELAY_S * 2**attempt)
            attempt += 1
            try:
                await asyncio.wait_for(self._closing.wait(), delay)
                return
            except TimeoutError:
                pass

    async def _confirmed(self, subscribed: asyncio.Future[None]) -> None:
        timeout = self._timeout_s
        try:
            await asyncio.wait_for(subscribed, timeout)
        except TimeoutError:
            raise RequestTimeout(f"the subscription was not confirmed within {timeout} s") from None

    @staticmethod
    async def _subscribe(exchange: Any) -> None:
        """Wait until the venue confirmed the user-data subscription."""
        authenticate = getattr(exchange, "authenticate", None)
        if authenticate is None:
            return
        try:
            await authenticate()
        except asyncio.CancelledError:
            if _cancelled_here():
                raise
            raise _client_closed() from None

    @staticmethod
    async def _pump(
        watch: Callable[[], Awaitable[list[Mapping[str, Any]]]],
        convert: Convert,
        queue: asyncio.Queue[Item],
    ) -> None:
        """Keep ``watch`` pending; queue each item's report, or the failure that ended it."""
        try:
            while True:
                for item in await watch():
                    report = convert(item)
                    if report is not None:
                        queue.put_nowait(report)
        except asyncio.CancelledError:
            if _cancelled_here():
                raise
            queue.put_nowait(_client_closed())
        except Exception as exc:
            queue.put_nowait(exc)

    @staticmethod
    async def _reset(exchange: Any) -> None:
        """Close the WebSocket clients so the next attempt dials and subscribes afresh."""
        try:
            await asyncio.wait_for(exchange.close_ws_clients(), _CLOSE_WS_S)
        except Exception as exc:  # a failed close must not stop the reconnect loop
            log.debug("event=ccxt_stream_reset_failed error=%s", type(exc).__name__)


def _cancelled_here() -> bool:
    """Whether a CancelledError is aimed at this task, not at a ccxt future it awaited.

    ccxt cancels (rather than rejects) a client's futures when the client is
    closed, by the driver's ``close`` or by ccxt itself: that ends the
    connection, it must not end the task awaiting it.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _client_closed() -> NetworkError:
    return NetworkError("the WebSocket client was closed")


def _retrieve_rejections(exchange: Any) -> None:
    """Mark the rejection of every future ccxt holds for a connection as retrieved.

    A failed dial or a closed socket rejects all of a client's futures, also
    the ones nobody awaits (ccxt's "subscription in flight" marker), which
    asyncio would otherwise log as "Future exception was never retrieved".
    """
    for client in list((getattr(exchange, "clients", None) or {}).values()):
        for future in list(getattr(client, "futures", {}).values()):
            future.add_done_callback(_retrieve)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
