"""One server's observability: the metrics, their hooks and the endpoint, started and stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fillgate.domain.enums import AlertKind, Breaker
from fillgate.metrics.alerts import Alerter
from fillgate.metrics.exporter import Exporter
from fillgate.metrics.gauges import Restriction, ScrapeCollector, Sources
from fillgate.metrics.grpc_wrap import GrpcMetrics
from fillgate.metrics.orders import OrderMetrics
from fillgate.metrics.registry import Metrics
from fillgate.metrics.settings import AlertsConfig
from fillgate.metrics.staleness import StaleQuotes
from fillgate.metrics.venues import measured
from fillgate.metrics.webhook import Webhook

Wrap = Callable[[str, Any], Any]


class Observability:
    """Everything ``[metrics]`` turns on; the app wires its hooks (see ``fillgate.app``)."""

    def __init__(self, listen: str, refused: type) -> None:
        self.metrics = Metrics()
        self.grpc = GrpcMetrics(self.metrics, refused)
        self.orders = OrderMetrics(self.metrics)
        self.exporter = Exporter(self.metrics.registry, listen)
        #: Alert webhook delivery counts, set by the app when a webhook is configured.
        self.webhook_counts: Callable[[], Mapping[str, int]] = dict

    def measured(self, inner: Wrap) -> Wrap:
        """A registration wrapper: the gRPC metrics around whatever ``inner`` puts on."""
        grpc_metrics = self.grpc

        def wrap(path: str, handler: Any) -> Any:
            return grpc_metrics.wrap(path, inner(path, handler))

        return wrap

    def watch(self, sources: Sources) -> None:
        """Add the values read at scrape time."""
        self.metrics.registry.register(ScrapeCollector(sources))

    def on_journal_batch(self, records: int) -> None:
        self.metrics.journal_batch.observe(records)

    def on_journal_fsync(self, seconds: float) -> None:
        self.metrics.journal_fsync.observe(seconds)

    async def start(self) -> None:
        await self.exporter.start()

    async def stop(self) -> None:
        await self.exporter.stop()


# The app wires these into its components. They are passed in, not imported (this room
# sits below the engine and the api), and used only by the attributes named here.


def observe(engine: Any, journal: Any, admission: Any, listen: str, refused: type) -> Observability:
    """Build the metrics and hook them into the engine, its venues and the journal."""
    obs = Observability(listen, refused)
    engine.observer = obs.orders.on_event
    engine.venues = measured(engine.venues, obs.metrics)
    if journal is not None:
        journal.on_batch = obs.on_journal_batch
        journal.on_fsync = obs.on_journal_fsync
    obs.watch(
        Sources(
            loop_lag_s=admission.lag.current,
            stream_depths=engine.bus.queue_depths,
            stream_cut_offs=lambda: engine.bus.cut_offs,
            restrictions=lambda: [
                Restriction(r.scope.name, r.target, r.mode.name)
                for r in engine.trading.restrictions()
            ],
            shed=lambda: admission.shed,
            open_orders=lambda: {key: len(ids) for key, ids in engine.state.orders.open.items()},
            webhook=lambda: obs.webhook_counts(),
            rate_headroom=lambda: _rate_headroom(engine),
            venue_streams=lambda: {
                v.name: v.stream_up() for v in engine.adapters() if hasattr(v, "stream_up")
            },
            breakers=lambda: _breakers(engine),
            quote_ages=lambda: quote_ages(engine.state.quotes.quotes(), engine.clock.now_ns()),
        )
    )
    return obs


def quote_ages(quotes: Iterable[Any], now_ns: int) -> dict[tuple[str, str], float]:
    """Each live quote's age in seconds, by (symbol, source); reference quotes have none."""
    out: dict[tuple[str, str], float] = {}
    for q in quotes:
        age = q.age_ns(now_ns)
        if age is not None:
            out[(q.symbol, q.source)] = age / 1e9
    return out


def _breakers(engine: Any) -> dict[tuple[str, str], bool]:
    """Each account's breakers, tripped or not (none when risk checks are off)."""
    if engine.risk is None:
        return {}
    breakers = engine.risk.breakers
    return {
        (account, kind.name): kind in breakers.day(account).tripped
        for account in engine.universe.accounts
        for kind in Breaker
    }


def _rate_headroom(engine: Any) -> dict[tuple[str, str], float]:
    """Every rate-limit bucket's free tokens: the venues' request pacing, risk's order rates."""
    out: dict[tuple[str, str], float] = {}
    for venue in {id(v): v for v in engine.venues.values()}.values():
        headroom = getattr(venue, "rate_headroom", None)
        if headroom is not None:
            out[("venue", venue.name)] = headroom()
    risk = engine.risk
    if risk is not None:
        for scope, buckets in (
            ("account", risk.account_buckets),
            ("strategy", risk.strategy_buckets),
        ):
            for name, bucket in buckets.items():
                out[(scope, name)] = bucket.available()
    return out


def alert(
    settings: AlertsConfig, engine: Any, journal: Any, clock: Any, obs: Observability | None
) -> Alerter | None:
    """Build the alerter and hook it in after the metrics, when ``[alerts]`` is enabled."""
    if not settings.enabled:
        return None
    webhook = None
    if settings.webhook_urls:
        webhook = Webhook(
            settings.webhook_urls,
            queue_size=settings.webhook_queue,
            retries=settings.webhook_retries,
            timeout_s=settings.webhook_timeout_s,
        )
    counted = None
    if obs is not None:
        alerts = obs.metrics.alerts

        def counted(kind: AlertKind) -> None:
            alerts.labels(kind.name).inc()

    alerter = Alerter(settings, engine.emit, clock.now_ns, webhook, counted)
    engine.observer = _both(engine.observer, alerter.on_event)
    if journal is not None:
        journal.on_fsync = _both(journal.on_fsync, alerter.on_fsync)
    if obs is not None and webhook is not None:
        obs.webhook_counts = lambda: {
            "delivered": webhook.delivered,
            "failed": webhook.failed,
            "dropped": webhook.dropped,
        }
    return alerter


def watch_quotes(
    settings: AlertsConfig,
    engine: Any,
    alerter: Alerter,
    symbols: Iterable[str],
    is_open: Callable[[str, int], bool],
) -> StaleQuotes:
    """The data-stale watch over ``symbols`` (those with a live quote source)."""

    def quote_ns(symbol: str) -> int | None:
        quote = engine.state.quotes.quote(symbol)
        return quote.ts_ns if quote is not None and quote.live else None

    return StaleQuotes(
        symbols,
        settings.quote_stale_after_s,
        quote_ns=quote_ns,
        is_open=is_open,
        now_ns=engine.clock.now_ns,
        raise_alert=alerter.raise_alert,
    )


def _both(first: Callable[..., None] | None, second: Callable[..., None]) -> Callable[..., None]:
    """Call ``first`` (when there is one), then ``second``, with the same arguments."""
    if first is None:
        return second

    def both(*args: Any) -> None:
        first(*args)
        second(*args)

    return both
