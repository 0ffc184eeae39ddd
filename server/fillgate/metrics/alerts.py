"""Operator alerts: raised from the engine's events and a few hooks, never blocking trading.

An alert is an :class:`~fillgate.domain.events.AlertRaised` event emitted
through the engine (so it is journaled as ``mx.alert`` and streamed to
StreamFills consumers), logged as one ``event=alert`` line, counted in
``fillgate_alerts_total{kind}`` when metrics are on, and offered to the
webhook. It is emitted on the next loop turn (``call_soon``), after the
event that caused it has been journaled, never from inside the engine's
publish.

Raised for: a fill whose slippage against the arrival price costs more than
``slippage_bps`` (alert only; the slippage breaker acts on its own); a
breaker trip; a failed reconciliation with a venue; a venue whose event
stream stays down longer than ``venue_down_s`` (a watchdog reads each remote
adapter's ``stream_up()`` every second; once per outage); a journal fsync
slower than ``journal_fsync_ms``; a symbol whose live quotes stop for longer
than ``quote_stale_after_s`` while its market is open, and again when they
resume (:mod:`fillgate.metrics.staleness`, checked by the same watchdog); and,
once authentication exists, a burst of failures from one peer: its check
calls :meth:`Alerter.auth_failure`; a bracket whose closing orders the venue refused
until fillgate stopped sending them (the bracket runner calls
:meth:`Alerter.protection_failed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import orjson

from fillgate.domain import events as ev
from fillgate.domain.enums import AlertKind, Side
from fillgate.domain.values import fmt
from fillgate.metrics.settings import AlertsConfig
from fillgate.metrics.staleness import StaleQuotes
from fillgate.metrics.webhook import Webhook

log = logging.getLogger("fillgate.alerts")

BPS = Decimal(10_000)
#: A slow-fsync alert is raised at most once per this many seconds.
FSYNC_QUIET_S = 60.0
#: How often the watchdog looks at the venues' streams and the quotes' ages.
WATCH_S = 1.0


def slippage_bps(side: Side, price: Decimal, arrival: Decimal) -> Decimal:
    """The cost of a fill against the arrival price, in basis points (a gain is negative)."""
    sign = 1 if side is Side.BUY else -1
    return (sign * (price - arrival) * BPS / arrival).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


class Alerter:
    """Turns events and hook calls into alerts; ``emit`` is the engine's."""

    def __init__(
        self,
        config: AlertsConfig,
        emit: Callable[[ev.AlertRaised], Any],
        now_ns: Callable[[], int],
        webhook: Webhook | None = None,
        counted: Callable[[AlertKind], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._emit = emit
        self._now_ns = now_ns
        self.webhook = webhook
        self._counted = counted
        self._monotonic = monotonic
        self._fsync_quiet_until = 0.0
        self._auth: dict[str, deque[float]] = {}
        #: Venue name -> when its stream was first seen down (None: alerted already).
        self._down_since: dict[str, float | None] = {}
        self._watchdog: asyncio.Task[None] | None = None

    # -- the venue watchdog ---------------------------------------------------------

    def start(self, venues: Iterable[Any], quotes: StaleQuotes | None = None) -> None:
        """Start the webhook's delivery and the watchdog (venue streams, quote ages)."""
        if self.webhook is not None:
            self.webhook.start()
        self.watch_venues(venues, quotes=quotes)

    def watch_venues(
        self, venues: Iterable[Any], interval_s: float = WATCH_S, quotes: StaleQuotes | None = None
    ) -> None:
        """Start checking every adapter that reports ``stream_up()`` (remote venues), and
        ``quotes``' symbols when there are any."""
        streams = [v for v in venues if getattr(v, "stream_up", None) is not None]
        if quotes is not None and not quotes.symbols:
            quotes = None
        if streams or quotes is not None:
            loop = asyncio.get_running_loop()
            self._watchdog = loop.create_task(self._watch(streams, interval_s, quotes))

    async def _watch(
        self, venues: list[Any], interval_s: float, quotes: StaleQuotes | None
    ) -> None:
        while True:
            await asyncio.sleep(interval_s)
            self.check_venues(venues)
            if quotes is not None:
                quotes.check()

    def check_venues(self, venues: Iterable[Any]) -> None:
        """One watchdog round: alert on a venue down longer than ``venue_down_s``."""
        now = self._monotonic()
        for venue in venues:
            name = venue.name
            if venue.stream_up():
                self._down_since.pop(name, None)
                continue
            since = self._down_since.setdefault(name, now)
            if since is not None and now - since >= self._config.venue_down_s:
                self._down_since[name] = None  # once per outage
                seconds = Decimal(str(round(now - since, 3)))
                self.raise_alert(
                    AlertKind.VENUE_DISCONNECTED,
                    "",
                    "",
                    seconds,
                    Decimal(str(self._config.venue_down_s)),
                    f"venue {name}'s event stream has been down for {fmt(seconds)} s",
                )

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None
        if self.webhook is not None:
            await self.webhook.stop()

    # -- hooks ----------------------------------------------------------------

    def on_event(self, event: object, order: Any) -> None:
        """The engine's observer: look at one applied event (cheap for all but a few kinds)."""
        kind = type(event)
        if kind is ev.OrderFilled:
            self._on_fill(event, order)  # type: ignore[arg-type]
        elif kind is ev.BreakerTripped:
            b: ev.BreakerTripped = event  # type: ignore[assignment]
            self.raise_alert(
                AlertKind.BREAKER_TRIPPED, b.account, b.symbol, b.value, b.limit, b.message
            )
        elif kind is ev.VenueDrift and event.kind == "reconcile_failed":  # type: ignore[attr-defined]
            d: ev.VenueDrift = event  # type: ignore[assignment]
            self.raise_alert(
                AlertKind.RECONCILE_FAILED, d.account, d.symbol, Decimal(1), Decimal(0), d.message
            )

    def _on_fill(self, fill: ev.OrderFilled, order: Any) -> None:
        arrival = order.arrival_price
        if not arrival:
            return
        bps = slippage_bps(order.side, fill.price, arrival)
        limit = self._config.slippage_bps
        if bps > limit:
            self.raise_alert(
                AlertKind.SLIPPAGE,
                order.account,
                order.symbol,
                bps,
                limit,
                f"order {order.order_id} filled {fmt(fill.quantity)} at {fmt(fill.price)}, "
                f"{fmt(bps)} bps worse than its arrival price {fmt(arrival)}",
            )

    def on_fsync(self, seconds: float) -> None:
        """The journal's fsync observer."""
        ms = seconds * 1000
        bound = self._config.journal_fsync_ms
        if ms <= bound or self._monotonic() < self._fsync_quiet_until:
            return
        self._fsync_quiet_until = self._monotonic() + FSYNC_QUIET_S
        value = Decimal(round(ms, 3)).quantize(Decimal("0.001"))
        self.raise_alert(
            AlertKind.JOURNAL_FSYNC_SLOW,
            "",
            "",
            value,
            Decimal(str(bound)),
            f"a journal fsync took {fmt(value)} ms",
        )

    def auth_failure(self, peer: str) -> None:
        """Count one failed authentication from ``peer``; a burst raises one alert per window.

        For the authentication check (issue 14) to call; the peer is an address, never a
        credential.
        """
        now = self._monotonic()
        window = self._config.auth_window_s
        times = self._auth.setdefault(peer, deque())
        times.append(now)
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) == self._config.auth_failures:
            self.raise_alert(
                AlertKind.AUTH_FAILURES,
                "",
                "",
                Decimal(len(times)),
                Decimal(self._config.auth_failures),
                f"{len(times)} authentication failures from {peer} within {window:g} s",
            )
        if len(self._auth) > 10_000:  # a scan from many addresses must not grow this forever
            self._auth = {p: t for p, t in self._auth.items() if t and t[-1] > now - window}

    def protection_failed(
        self, *, account: str, symbol: str, list_id: str, role: str, attempts: int, reason: str
    ) -> None:
        """The bracket runner's hook: the venue refused the last of the ``attempts`` closing
        orders (``role``) it sends for bracket ``list_id``; that position is unprotected."""
        self.raise_alert(
            AlertKind.PROTECTION_FAILED,
            account,
            symbol,
            Decimal(attempts),
            Decimal(attempts),
            f"the venue refused all {attempts} closing orders ({role}) of bracket {list_id}, "
            f"the last with {reason!r}: its position is not protected",
        )

    # -- raising ----------------------------------------------------------------

    def raise_alert(
        self,
        kind: AlertKind,
        account: str,
        symbol: str,
        value: Decimal,
        threshold: Decimal,
        message: str,
    ) -> None:
        """Emit an alert on the next loop turn (after the event that caused it)."""
        alert = ev.AlertRaised(
            kind=kind,
            account=account,
            symbol=symbol,
            value=value,
            threshold=threshold,
            message=message,
            ts_ns=self._now_ns(),
        )
        asyncio.get_running_loop().call_soon(self._publish, alert)

    def _publish(self, alert: ev.AlertRaised) -> None:
        self._emit(alert)
        log.warning(
            "event=alert kind=%s account=%s symbol=%s value=%s threshold=%s message=%r",
            alert.kind.name,
            alert.account,
            alert.symbol,
            fmt(alert.value),
            fmt(alert.threshold),
            alert.message,
        )
        if self._counted is not None:
            self._counted(alert.kind)
        if self.webhook is not None:
            self.webhook.offer(alert_json(alert))


def alert_json(alert: ev.AlertRaised) -> bytes:
    """The webhook body: the alert with decimals as strings."""
    return orjson.dumps(
        {
            "kind": alert.kind.name,
            "account": alert.account,
            "symbol": alert.symbol,
            "value": fmt(alert.value),
            "threshold": fmt(alert.threshold),
            "message": alert.message,
            "time_ns": alert.ts_ns,
        }
    )
