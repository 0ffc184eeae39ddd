"""StreamFills consumers in their own process: fill latency as a separate client sees it.

Each consumer is one StreamFills stream on its own connection. For every
EXEC_TYPE_TRADE report it takes ``time.monotonic_ns()`` on receipt and reads
the order's intended send time out of its client_order_id
(``<label>.<gen>.<n>.<intended_ns>``, written by the generator): CLOCK_MONOTONIC
is one clock for every process on the machine, so no map of send times has to
cross processes. Samples are kept per label; the orchestrator collects a label
once the generators know how many orders were acknowledged.

A consumer cut off by the server (RESOURCE_EXHAUSTED, too slow) counts the
status as an error and resumes from the last sequence it saw, as a real
consumer would; the late fills then carry their true, late, receipt times.
"""

from __future__ import annotations

import asyncio
import multiprocessing.queues
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import grpc
import uvloop

from benchmarks import hist
from benchmarks.pacing import now_ns
from fillgate.v1 import execution_pb2
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pbgrpc

TRADE = execution_pb2.EXEC_TYPE_TRADE
#: Events per message, as the project's clients ask by default (fillgate_client DEFAULT_MAX_BATCH).
MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class Collect:
    """Wait until every stream saw ``expected`` fills of ``label`` (or ``timeout_s``), reply."""

    label: str
    expected: int
    timeout_s: float = 10.0


@dataclass(slots=True)
class FillReport:
    """Fill latency over all streams for one label; counts per stream."""

    latency: bytes = b""
    received: list[int] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    error: str = ""


class _Stream:
    def __init__(self, target: str, labels: frozenset[str]) -> None:
        self.channel = grpc.aio.insecure_channel(
            target, options=[("grpc.use_local_subchannel_pool", 1)]
        )
        self.stub = pbgrpc.ExecutionServiceStub(self.channel)
        self.labels = labels
        self.samples: defaultdict[str, array[int]] = defaultdict(lambda: array("q"))
        self.errors: Counter[str] = Counter()
        self.last_sequence: int | None = None
        self.subscribed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        while True:
            # Batches, as the project's clients ask for them (they unpack them).
            request = pb.StreamFillsRequest(heartbeat_interval_ms=1000, max_batch=MAX_BATCH)
            if self.last_sequence is not None:
                request.from_sequence = self.last_sequence
            call = self.stub.StreamFills(request)
            try:
                while True:
                    message = await call.read()
                    received = now_ns()
                    if message is grpc.aio.EOF:
                        self.errors["EOF"] += 1
                        break
                    kind = message.WhichOneof("event")
                    if kind == "batch":
                        for event in message.batch.events:
                            self._event(event, received)
                    elif kind == "subscribed":
                        self.subscribed.set()
                    else:
                        self._event(message, received)
            except grpc.aio.AioRpcError as exc:
                if exc.code() == grpc.StatusCode.CANCELLED:
                    return
                self.errors[exc.code().name] += 1
                await asyncio.sleep(0.05)

    def _event(self, message: Any, received: int) -> None:
        if message.HasField("execution_report"):
            report = message.execution_report
            self.last_sequence = report.sequence
            if report.exec_type == TRADE:
                self._fill(report.client_order_id, received)

    def _fill(self, client_order_id: str, received: int) -> None:
        label, _, rest = client_order_id.partition(".")
        if label in self.labels:
            self.samples[label].append(received - int(rest.rpartition(".")[2]))


async def _serve(
    target: str, streams: int, labels: frozenset[str], inbox: Any, outbox: Any
) -> None:
    consumers = [_Stream(target, labels) for _ in range(streams)]
    for c in consumers:
        c.task = asyncio.ensure_future(c.run())
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(asyncio.gather(*(c.subscribed.wait() for c in consumers)), 15)
        outbox.put(FillReport())
    except TimeoutError:
        outbox.put(FillReport(error="consumers did not subscribe within 15 s"))
        return
    while (cmd := await loop.run_in_executor(None, inbox.get)) is not None:
        deadline = now_ns() + int(cmd.timeout_s * 1e9)
        while now_ns() < deadline and any(
            len(c.samples[cmd.label]) < cmd.expected for c in consumers
        ):
            await asyncio.sleep(0.05)
        errors: Counter[str] = Counter()
        for c in consumers:
            errors.update(c.errors)
            c.errors.clear()
        merged = hist.new()
        for c in consumers:
            for sample in c.samples[cmd.label]:
                merged.record_value(min(max(sample, hist.LOWEST_NS), hist.HIGHEST_NS))
        outbox.put(
            FillReport(
                latency=hist.encode(merged),
                received=[len(c.samples.pop(cmd.label, ())) for c in consumers],
                errors=dict(errors),
            )
        )
    for c in consumers:
        if c.task is not None:
            c.task.cancel()
        await c.channel.close()


def main(
    target: str,
    streams: int,
    labels: frozenset[str],
    inbox: multiprocessing.queues.Queue[Any],
    outbox: multiprocessing.queues.Queue[Any],
) -> None:
    """Process entry point (``spawn``): first reply says the streams are subscribed."""
    uvloop.run(_serve(target, streams, labels, inbox, outbox))
