"""One server's observability: the metrics, their hooks and the endpoint, started and stopped."""

from __future__ import annotations

from fillgate.metrics.exporter import Exporter
from fillgate.metrics.gauges import ScrapeCollector, Sources
from fillgate.metrics.grpc_wrap import GrpcMetrics
from fillgate.metrics.orders import OrderMetrics
from fillgate.metrics.registry import Metrics


class Observability:
    """Everything ``[metrics]`` turns on; the app wires its hooks (see ``fillgate.app``)."""

    def __init__(self, listen: str, refused: type) -> None:
        self.metrics = Metrics()
        self.grpc = GrpcMetrics(self.metrics, refused)
        self.orders = OrderMetrics(self.metrics)
        self.exporter = Exporter(self.metrics.registry, listen)

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
