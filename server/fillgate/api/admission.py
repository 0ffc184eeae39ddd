"""Admission control: shed load with RESOURCE_EXHAUSTED before gRPC core's backlog builds.

Past the SubmitOrder knee, calls queue in gRPC core until its backlog protector
(``grpc.server.max_pending_requests``) fails them with ``CANCELLED``, and the
backlog takes seconds to drain after the load drops. The aio server takes calls
out of core one at a time, one event-loop round trip each, so a busy loop
accepts calls more slowly than they arrive while its own lag stays small
(measured: 1,250 orders/s against a ~1,000/s server queued 200-500 ms in core
with the loop lag under 20 ms and 64 orders in flight). Neither
``maximum_concurrent_rpcs`` nor a lag timer sees that queue. So the server also
times an order it sends itself every ``QUEUE_PROBE_S`` (see :class:`QueueDelay`):
the probe waits in the same queue, and its round trip (or, while it is out, its
age) is the time an order waits before a handler runs. Calls queue per method:
a Ping probe measured 2-9 ms while orders waited 300 ms; a SubmitOrder probe
cut the admitted orders' p50 at 2,000/s offered from 312 to 8.5 ms. A wrapper
put around every unary handler once, at registration (:meth:`Admission.wrap`;
not a gRPC interceptor, whose chain runs on every call), refuses cheaply and
early:

============  ==================================================  ===========================
class         methods                                             refused when
============  ==================================================  ===========================
orders        SubmitOrder, ReplaceOrder, SubmitBracket,           orders in flight >= limit,
              SubmitOrderList                                     event-loop lag >= limit, or
                                                                  queue delay >= limit
essential     CancelOrder, Halt, Resume, GetTradingState, Ping,   never: a trader under
              Health.Check                                        overload must cancel
reads         every other unary call (GetOrder, ListOrders, ...)  lag or queue delay >= limit
streams       StreamFills, Health.Watch                           never (long-lived; not counted)
============  ==================================================  ===========================

A refusal is ``RESOURCE_EXHAUSTED`` with an ``ErrorInfo`` (reason
``SERVER_OVERLOADED``, domain "fillgate", metadata ``cause``, ``limit`` and
``retry_after_ms``) and a ``RetryInfo``. It is answered by setting the status on
the context, not by raising: no exception, no traceback, nothing for the cyclic
GC, so a flood of refusals costs little and leaks nothing. A refused call never
reached the engine, so it cannot leave anything half done; an admitted call
runs exactly as before (durable before acknowledged).

Event-loop lag is how late a timer that should fire every ``LAG_PROBE_S`` does
fire; while the probe is overdue, the lag read at a call is how overdue it is,
so a loop that stalls is seen at once rather than one probe later.

The wrapper also counts unary calls in handlers (and, for a handler that
raised, until its status is sent); :attr:`Admission.busy` tells the heap
freezer when the server is quiet (see ``fillgate.heap``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2

from fillgate.api import limits
from fillgate.api.errors import to_status
from fillgate.domain.errors import ResourceExhausted
from fillgate.metrics.grpc_wrap import PROBE_METADATA
from fillgate.v1 import admin_service_pb2, contingent_service_pb2, execution_service_pb2

REASON = "SERVER_OVERLOADED"
#: How often the event-loop lag is sampled.
LAG_PROBE_S = 0.005
#: Calls that began this recently may still be in flight (see Admission.busy).
QUIET_GAP_S = 0.002
#: Pause between two queue-delay probes (each a SubmitOrder the server sends itself).
QUEUE_PROBE_S = 0.02
_STATUS_DETAILS_KEY = "grpc-status-details-bin"

Handler = Callable[[Any, Any], Awaitable[Any]]
Trailers = tuple[tuple[str, bytes], ...]


def _paths(descriptor: Any, service: str, *methods: str) -> frozenset[str]:
    full = descriptor.services_by_name[service].full_name
    return frozenset(
        f"/{full}/{descriptor.services_by_name[service].methods_by_name[m].name}" for m in methods
    )


ORDER_METHODS = _paths(
    execution_service_pb2.DESCRIPTOR, "ExecutionService", "SubmitOrder", "ReplaceOrder"
) | _paths(
    contingent_service_pb2.DESCRIPTOR, "ContingentService", "SubmitBracket", "SubmitOrderList"
)
#: The queue-delay probe's method: calls queue per method in gRPC core, so it must be an order.
(PROBE_METHOD,) = _paths(execution_service_pb2.DESCRIPTOR, "ExecutionService", "SubmitOrder")
#: The probe's body: an account name over the contract's limit, so the edge refuses it
#: (``api/edge.py``, FIELD_OVER_LIMIT) before any handler runs. It waits in the order
#: queue like a real order but never waits for the journal, which an error from the
#: engine does (every answer is durable first): the probe measures queueing, not fsync.
PROBE_BODY = execution_service_pb2.SubmitOrderRequest(
    account="p" * (limits.NAME + 1)
).SerializeToString()
ESSENTIAL_METHODS = (
    _paths(
        execution_service_pb2.DESCRIPTOR,
        "ExecutionService",
        "CancelOrder",
        "Halt",
        "Resume",
        "GetTradingState",
    )
    | _paths(admin_service_pb2.DESCRIPTOR, "AdminService", "Ping")
    | {"/grpc.health.v1.Health/Check"}
)


class LoopLag:
    """How late the event loop runs, sampled by a timer every :data:`LAG_PROBE_S`."""

    def __init__(self, interval_s: float = LAG_PROBE_S) -> None:
        self.interval_s = interval_s
        self.last_s = 0.0
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._due = time.monotonic() + self.interval_s
        self._handle = asyncio.get_running_loop().call_later(self.interval_s, self._tick)

    def _tick(self) -> None:
        now = time.monotonic()
        self.last_s = max(now - self._due, 0.0)
        self._due = now + self.interval_s
        self._handle = asyncio.get_running_loop().call_later(self.interval_s, self._tick)

    def current(self) -> float:
        """Seconds behind schedule: the last sample, or how overdue the next one is."""
        return max(self.last_s, time.monotonic() - self._due)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


@dataclass(frozen=True, slots=True)
class ProbeAccess:
    """How the probe reaches a server that wants credentials (see ``api/guard.py``)."""

    #: Channel credentials (the server's loopback-only local port under TLS), or None.
    credentials: grpc.ChannelCredentials | None
    #: Call metadata: the server's internal bearer token.
    metadata: tuple[tuple[str, str], ...]


class QueueDelay:
    """How long an order waits before a handler runs, timed by a probe the server sends itself.

    The probe is a SubmitOrder refused at the edge (:data:`PROBE_BODY`): it waits in
    the same queue as real orders, then is refused (INVALID_ARGUMENT, or
    RESOURCE_EXHAUSTED when shed) without touching any state or waiting for the
    journal; the refusal's round trip is the measure.
    """

    def __init__(self, interval_s: float = QUEUE_PROBE_S) -> None:
        self.interval_s = interval_s
        self.last_s = 0.0
        self._sent = 0.0  # when the probe in flight was sent; 0 when none is
        self._task: asyncio.Task[None] | None = None

    def start(self, target: str, access: ProbeAccess | None = None) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(target, access))

    async def _run(self, target: str, access: ProbeAccess | None) -> None:
        options = [("grpc.use_local_subchannel_pool", 1)]  # its own connection
        channel = (
            grpc.aio.insecure_channel(target, options=options)
            if access is None or access.credentials is None
            else grpc.aio.secure_channel(target, access.credentials, options=options)
        )
        # The probe's own mark, so metrics leave its calls out (fillgate.metrics.grpc_wrap).
        metadata = (PROBE_METADATA, *(() if access is None else access.metadata))
        async with channel:
            probe = channel.unary_unary(PROBE_METHOD)  # bytes in and out: nothing to convert
            while True:
                self._sent = time.monotonic()
                # A failure (shutting down, a deadline) needs no handling: the probe's age,
                # read while it was out, told the story.
                with contextlib.suppress(grpc.aio.AioRpcError):
                    await probe(PROBE_BODY, timeout=10, metadata=metadata)
                self.last_s = time.monotonic() - self._sent
                self._sent = 0.0
                await asyncio.sleep(self.interval_s)

    def current(self) -> float:
        """Seconds an order waits now: the last round trip, or the age of the probe in flight."""
        sent = self._sent
        if sent:
            return max(self.last_s, time.monotonic() - sent)
        return self.last_s

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


Refusal = tuple[str, Trailers, str]  # details, trailers, cause


def refusal(cause: str, limit: str, retry_after_ms: int) -> Refusal:
    """The details text and trailers of a refusal (built once per cause)."""
    message = (
        f"the server is overloaded ({cause} at its limit of {limit}); "
        f"retry after {retry_after_ms} ms"
    )
    status = to_status(
        ResourceExhausted(
            REASON,
            message,
            {"cause": cause, "limit": limit, "retry_after_ms": str(retry_after_ms)},
        )
    )
    retry = any_pb2.Any()
    retry.Pack(
        error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(
                seconds=retry_after_ms // 1000, nanos=retry_after_ms % 1000 * 1_000_000
            )
        )
    )
    status.details.append(retry)
    return message, ((_STATUS_DETAILS_KEY, status.SerializeToString()),), cause


class Admission:
    """Refuse order and read calls while the server is saturated; see the module docstring.

    ``max_in_flight_orders`` or ``max_loop_lag_s`` of 0 turns that limit off.
    """

    def __init__(
        self,
        *,
        max_in_flight_orders: int,
        max_loop_lag_s: float,
        max_queue_delay_s: float,
        retry_after_ms: int,
    ) -> None:
        self.max_in_flight_orders = max_in_flight_orders or 1 << 62
        self.max_loop_lag_s = max_loop_lag_s or float("inf")
        self.max_queue_delay_s = max_queue_delay_s or float("inf")
        self.lag = LoopLag()
        self.queue = QueueDelay()
        #: Unary calls in handlers, and those of them that are orders.
        self.in_flight = 0
        self.orders_in_flight = 0
        self.last_call_s = 0.0  # when the last unary call reached a handler
        #: Calls refused, by cause.
        self.shed: dict[str, int] = {"in_flight_orders": 0, "loop_lag": 0, "queue_delay": 0}
        self._by_orders = refusal("in_flight_orders", str(max_in_flight_orders), retry_after_ms)
        self._by_lag = refusal("loop_lag", f"{max_loop_lag_s * 1e3:g} ms", retry_after_ms)
        self._by_queue = refusal("queue_delay", f"{max_queue_delay_s * 1e3:g} ms", retry_after_ms)

    def start(self, target: str, access: ProbeAccess | None = None) -> None:
        """Start sampling event-loop lag and queue delay (``target``: the server's address)."""
        self.lag.start()
        if self.max_queue_delay_s != float("inf"):
            self.queue.start(target, access)

    async def stop(self) -> None:
        self.lag.stop()
        await self.queue.stop()

    def _overloaded(self) -> Refusal | None:
        """The refusal that applies to any sheddable call now, or None."""
        if self.lag.current() >= self.max_loop_lag_s:
            return self._by_lag
        if self.queue.current() >= self.max_queue_delay_s:
            return self._by_queue
        return None

    def busy(self) -> bool:
        """Whether a unary call is in a handler now, or any call began within ``QUIET_GAP_S``.

        The gap covers calls that fail before a handler runs (a body that does
        not parse): they hold a cycle until their status is sent, and no
        handler tells when that is.
        """
        return self.in_flight > 0 or time.monotonic() - self.last_call_s < QUIET_GAP_S

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """Put admission around a unary handler of ``method`` (``/package.Service/Method``).

        Applied once, when the server registers its handlers; streams pass untouched.
        """
        if handler.unary_unary is None:
            return handler
        return handler._replace(unary_unary=self._wrap(method, handler))

    def _wrap(self, method: str, handler: Any) -> Handler:
        behavior: Handler = handler.unary_unary
        if method in ORDER_METHODS:
            return self._order(behavior)
        if method in ESSENTIAL_METHODS:
            return self._essential(behavior)
        return self._read(behavior)

    def _busy_until_done(self, context: Any) -> None:
        """Count a call that raised as in flight until its status is sent.

        Its exception's traceback holds the call's frames and state until then:
        a heap freeze in between would keep that cycle forever.
        """
        self.in_flight += 1
        context.add_done_callback(self._done)

    def _done(self, context: Any) -> None:
        self.in_flight -= 1

    def _refuse(self, context: Any, refusal: Refusal) -> None:
        self.shed[refusal[2]] += 1
        context.set_code(grpc.StatusCode.RESOURCE_EXHAUSTED)
        context.set_details(refusal[0])
        context.set_trailing_metadata(refusal[1])

    def _order(self, behavior: Handler) -> Handler:
        async def order(request: Any, context: Any) -> Any:
            self.last_call_s = time.monotonic()
            if self.orders_in_flight >= self.max_in_flight_orders:
                self._refuse(context, self._by_orders)
                return None
            overloaded = self._overloaded()
            if overloaded is not None:
                self._refuse(context, overloaded)
                return None
            self.orders_in_flight += 1
            self.in_flight += 1
            try:
                return await behavior(request, context)
            except BaseException:
                self._busy_until_done(context)
                raise
            finally:
                self.orders_in_flight -= 1
                self.in_flight -= 1

        return order

    def _read(self, behavior: Handler) -> Handler:
        async def read(request: Any, context: Any) -> Any:
            self.last_call_s = time.monotonic()
            overloaded = self._overloaded()
            if overloaded is not None:
                self._refuse(context, overloaded)
                return None
            self.in_flight += 1
            try:
                return await behavior(request, context)
            except BaseException:
                self._busy_until_done(context)
                raise
            finally:
                self.in_flight -= 1

        return read

    def _essential(self, behavior: Handler) -> Handler:
        async def essential(request: Any, context: Any) -> Any:
            self.last_call_s = time.monotonic()
            self.in_flight += 1
            try:
                return await behavior(request, context)
            except BaseException:
                self._busy_until_done(context)
                raise
            finally:
                self.in_flight -= 1

        return essential
