"""Every metric fillgate exports, registered in one registry per server.

Label cardinality is bounded by configuration, never by client input:

- gRPC metrics: ``grpc_service``/``grpc_method`` come from the registered
  services (about 40 methods), ``grpc_code`` from the 17 status codes;
- order metrics: ``account``, ``venue`` and ``symbol`` are the configured
  accounts, venues and symbols (an order naming anything else is refused
  before it exists, so it cannot add a label value), ``reason`` is a denial's
  fixed reason code (``HALTED``, ``MAX_ORDER_NOTIONAL``, ...). Client-chosen
  strings (client order ids, strategy ids, tags) are never labels.
- venue latency histograms are per venue only: account x symbol x bucket would
  multiply the series for little gain.

Every one is written on the event loop only, so they are the lock-free
loop-owned kind (``metrics/loop_metrics.py``), not prometheus_client's
thread-safe classes, which cost a mutex per increment on the order path.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from fillgate.metrics.loop_metrics import LoopCounter, LoopHistogram

#: Latency buckets from 100 us to 10 s: the order path answers in about a millisecond.
LATENCY_BUCKETS = (
    *(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05),
    *(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
#: Slippage against the arrival price, in basis points (negative: price improvement).
SLIPPAGE_BUCKETS = (-100, -50, -20, -10, -5, -1, 0, 1, 5, 10, 20, 50, 100, 200, 500)
#: Records written per group commit.
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)

_GRPC = ("grpc_type", "grpc_service", "grpc_method")
_ORDER = ("account", "venue", "symbol")


class Metrics:
    """The metric objects; ``registry`` is what ``/metrics`` renders."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # go-grpc-prometheus names, so its dashboards work unchanged.
        self.grpc_started = LoopCounter(
            "grpc_server_started", "RPCs started on the server.", _GRPC, registry=r
        )
        self.grpc_handled = LoopCounter(
            "grpc_server_handled",
            "RPCs completed on the server, regardless of success or failure.",
            (*_GRPC, "grpc_code"),
            registry=r,
        )
        self.grpc_received = LoopCounter(
            "grpc_server_msg_received", "Messages received on the server.", _GRPC, registry=r
        )
        self.grpc_sent = LoopCounter(
            "grpc_server_msg_sent", "Messages sent by the server.", _GRPC, registry=r
        )
        self.grpc_seconds = LoopHistogram(
            "grpc_server_handling_seconds",
            "Time from the handler's start to its answer (streams: to their end).",
            _GRPC,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        # The order path.
        self.orders = LoopCounter(
            "fillgate_orders",
            "Order outcomes: accepted, rejected (by the venue), canceled, filled, expired.",
            ("event", *_ORDER),
            registry=r,
        )
        self.denied = LoopCounter(
            "fillgate_orders_denied",
            "Orders refused before any venue saw them (halt, risk limit, breaker), by reason.",
            ("account", "symbol", "reason"),
            registry=r,
        )
        self.fills = LoopCounter("fillgate_fills", "Fills (executions).", _ORDER, registry=r)
        self.ack_seconds = LoopHistogram(
            "fillgate_order_ack_seconds",
            "Time from fillgate's acceptance of an order to the venue's acknowledgement.",
            ("venue",),
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.first_fill_seconds = LoopHistogram(
            "fillgate_order_first_fill_seconds",
            "Time from fillgate's acceptance of an order to its first fill.",
            ("venue",),
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.slippage_bps = LoopHistogram(
            "fillgate_fill_slippage_bps",
            "Each fill's cost against its order's arrival price, in basis points.",
            ("venue",),
            buckets=SLIPPAGE_BUCKETS,
            registry=r,
        )
        self.venue_seconds = LoopHistogram(
            "fillgate_venue_call_seconds",
            "Duration of calls into venue adapters (submit, cancel, replace).",
            ("venue", "method"),
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.venue_errors = LoopCounter(
            "fillgate_venue_call_errors",
            "Venue adapter calls that failed, by error reason.",
            ("venue", "method", "reason"),
            registry=r,
        )
        self.alerts = LoopCounter(
            "fillgate_alerts", "Operator alerts raised, by kind.", ("kind",), registry=r
        )
        # The journal.
        self.journal_batch = LoopHistogram(
            "fillgate_journal_batch_records",
            "Records written per group commit.",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.journal_fsync = LoopHistogram(
            "fillgate_journal_fsync_seconds",
            "Duration of the journal's fsync of a group commit.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
