"""The ``[metrics]`` config section."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsConfig:
    """Where ``/metrics`` is served; off unless ``listen`` is set (``serve --metrics``)."""

    #: host:port of the Prometheus endpoint; "" = off (no metrics are recorded at all).
    listen: str = ""

    def problem(self) -> str | None:
        """What is wrong with ``listen``, or None (it is "" or host:port)."""
        if not self.listen:
            return None
        _, sep, port = self.listen.rpartition(":")
        if not sep or not port.isdigit() or int(port) > 65535:
            return f"must be HOST:PORT (got {self.listen!r})"
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertsConfig:
    """``[alerts]``: operator alerts on the stream, in the log, in metrics and by webhook."""

    enabled: bool = True
    #: A fill whose slippage against the arrival price costs more than this many basis
    #: points raises an alert (alert only: the slippage breaker in [risk] acts separately).
    slippage_bps: Decimal = Decimal(50)
    #: A journal fsync slower than this raises an alert (at most one per minute).
    journal_fsync_ms: float = 250.0
    #: A venue whose event stream stays down this long raises an alert (once per outage).
    venue_down_s: float = 10.0
    #: A symbol with a live quote source (the paper price feed, a venue's quotes) that has
    #: had no quote for this many seconds while its market is open raises DATA_STALE (once,
    #: then DATA_RESUMED when quotes return); 0 turns it off.
    quote_stale_after_s: float = 30.0
    #: This many authentication failures from one peer within auth_window_s raise an alert.
    auth_failures: int = 20
    auth_window_s: float = 60.0
    #: URLs each alert is POSTed to as JSON (none by default).
    webhook_urls: tuple[str, ...] = ()
    #: Alerts waiting for delivery beyond this are dropped (and counted), never blocking.
    webhook_queue: int = 1000
    #: Delivery attempts per URL after the first, with doubling back-off from 0.5 s.
    webhook_retries: int = 3
    webhook_timeout_s: float = 5.0

    def stale_problem(self) -> str | None:
        """What is wrong with ``quote_stale_after_s``, or None."""
        after = self.quote_stale_after_s
        if not math.isfinite(after) or after < 0:
            return f"must be a number of seconds, 0 or more (0: off), got {after!r}"
        return None

    def problem(self) -> str | None:
        """What is wrong with the webhook URLs, or None."""
        for url in self.webhook_urls:
            if not url.startswith(("http://", "https://")):
                return f"{url!r} is not an http(s) URL"
        return None
