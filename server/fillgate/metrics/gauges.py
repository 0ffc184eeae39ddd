"""Values read when Prometheus scrapes, not on the order path.

The app hands in plain callables (this room sits below the engine and the api
and imports neither), so a scrape reads the live objects: the event-loop lag
the admission control samples anyway, the fill stream's consumers, the
trading restrictions in force, the calls shed by admission control and the
age of each symbol's live quote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


@dataclass(frozen=True, slots=True)
class Restriction:
    """One trading restriction in force, as the gauge shows it."""

    scope: str
    target: str
    mode: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Sources:
    """Where each scrape-time value comes from."""

    loop_lag_s: Callable[[], float]
    #: Queue depth of each fill-stream consumer (events waiting to be sent).
    stream_depths: Callable[[], Iterable[int]]
    stream_cut_offs: Callable[[], Mapping[str, int]]
    restrictions: Callable[[], Iterable[Restriction]]
    shed: Callable[[], Mapping[str, int]]
    open_orders: Callable[[], Mapping[tuple[str, str], int]]
    #: Alert webhook deliveries: delivered, failed, dropped (None without a webhook).
    webhook: Callable[[], Mapping[str, int]] | None = None
    #: Tokens free in each rate-limit bucket, by (scope, name): scope is ``venue`` (request
    #: pacing), ``account`` or ``strategy`` (risk's order-rate limits).
    rate_headroom: Callable[[], Mapping[tuple[str, str], float]] | None = None
    #: Whether each remote venue's event stream is connected.
    venue_streams: Callable[[], Mapping[str, bool]] | None = None
    #: Whether each circuit breaker is tripped today, by (account, breaker).
    breakers: Callable[[], Mapping[tuple[str, str], bool]] | None = None
    #: Age in seconds of each symbol's live quote, by (symbol, source); reference prices
    #: have no age and are left out.
    quote_ages: Callable[[], Mapping[tuple[str, str], float]] | None = None


class ScrapeCollector(Collector):
    """Renders :class:`Sources` as gauges and counters at each scrape."""

    def __init__(self, sources: Sources) -> None:
        self._s = sources

    def collect(self) -> Iterator[Metric]:
        s = self._s
        yield GaugeMetricFamily(
            "fillgate_event_loop_lag_seconds",
            "How late the event loop runs a timer due every 5 ms.",
            value=s.loop_lag_s(),
        )
        depths = list(s.stream_depths())
        yield GaugeMetricFamily(
            "fillgate_stream_consumers", "Fill-stream consumers connected.", value=len(depths)
        )
        yield GaugeMetricFamily(
            "fillgate_stream_max_queue_depth",
            "Events queued for the slowest fill-stream consumer (its lag).",
            value=max(depths, default=0),
        )
        cut = CounterMetricFamily(
            "fillgate_stream_cut_offs",
            "Fill-stream consumers cut off, by reason (overflow: too slow).",
            labels=("reason",),
        )
        for reason, count in sorted(s.stream_cut_offs().items()):
            cut.add_metric((reason,), count)
        yield cut
        restricted = GaugeMetricFamily(
            "fillgate_trading_restriction",
            "1 per trading restriction in force (halts, reduce-only, breaker trips).",
            labels=("scope", "target", "mode"),
        )
        for r in s.restrictions():
            restricted.add_metric((r.scope, r.target, r.mode), 1)
        yield restricted
        shed = CounterMetricFamily(
            "fillgate_admission_shed",
            "Calls refused by admission control (RESOURCE_EXHAUSTED), by cause.",
            labels=("cause",),
        )
        for cause, count in sorted(s.shed().items()):
            shed.add_metric((cause,), count)
        yield shed
        open_orders = GaugeMetricFamily(
            "fillgate_open_orders", "Orders not yet terminal.", labels=("account", "symbol")
        )
        for (account, symbol), count in sorted(s.open_orders().items()):
            open_orders.add_metric((account, symbol), count)
        yield open_orders
        webhook = CounterMetricFamily(
            "fillgate_alert_webhook",
            "Alert webhook deliveries by outcome (dropped: the queue was full).",
            labels=("outcome",),
        )
        for outcome, count in sorted((s.webhook() if s.webhook else {}).items()):
            webhook.add_metric((outcome,), count)
        yield webhook
        headroom = GaugeMetricFamily(
            "fillgate_rate_limit_headroom",
            "Tokens free in a rate-limit bucket (negative: calls waiting for one).",
            labels=("scope", "name"),
        )
        for (scope, name), tokens in sorted((s.rate_headroom() if s.rate_headroom else {}).items()):
            headroom.add_metric((scope, name), tokens)
        yield headroom
        streams = GaugeMetricFamily(
            "fillgate_venue_stream_up",
            "1 while a remote venue's event stream is connected, 0 while it is down.",
            labels=("venue",),
        )
        for venue, up in sorted((s.venue_streams() if s.venue_streams else {}).items()):
            streams.add_metric((venue,), 1 if up else 0)
        yield streams
        breakers = GaugeMetricFamily(
            "fillgate_breaker_tripped",
            "1 while an account's circuit breaker is tripped (until resumed or the day ends).",
            labels=("account", "breaker"),
        )
        for (account, breaker), tripped in sorted((s.breakers() if s.breakers else {}).items()):
            breakers.add_metric((account, breaker), 1 if tripped else 0)
        yield breakers
        ages = GaugeMetricFamily(
            "fillgate_quote_age_seconds",
            "Seconds since each symbol's live quote (feed, venue or journal) was true.",
            labels=("symbol", "source"),
        )
        for (symbol, source), age in sorted((s.quote_ages() if s.quote_ages else {}).items()):
            ages.add_metric((symbol, source), age)
        yield ages
