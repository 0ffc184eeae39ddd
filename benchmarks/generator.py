"""The open-loop load generator: one process, one uvloop, one channel.

Each process gets 1/N of the rate and a phase offset of ``index`` periods, so
the N schedules interleave into one constant-rate schedule. A request is sent
at its intended time whether or not earlier ones were answered (open loop);
its latency is completion minus the *intended* send time, so a server stall
shows up in every request it delays (no coordinated omission). The actual send
time is kept too: ``lag`` (actual - intended) is the generator's own pacing
error, and ``service`` (completion - actual) is for diagnosis.

SubmitOrder's client_order_id is ``<label>.<nonce><index>.<n>.<intended_ns>``,
which lets a fill consumer in another process compute the fill's latency from
the id alone (same CLOCK_MONOTONIC).
"""

from __future__ import annotations

import asyncio
import multiprocessing.queues
import os
from array import array
from collections import Counter
from typing import Any

import grpc
import uvloop

from benchmarks import hist, plan
from benchmarks.pacing import Pacer, now_ns
from fillgate.v1 import admin_service_pb2 as apb
from fillgate.v1 import admin_service_pb2_grpc as agrpc
from fillgate.v1 import execution_service_pb2 as pb
from fillgate.v1 import execution_service_pb2_grpc as pbgrpc
from fillgate.v1 import order_pb2

CHANNEL_OPTIONS = [
    ("grpc.use_local_subchannel_pool", 1),  # one connection per process, never shared
    ("grpc.max_receive_message_length", -1),  # the whole book is megabytes
    ("grpc.keepalive_time_ms", 20_000),
]


class WrongResponse(Exception):
    """An OK status whose content is not what the request should produce."""


class _Recorder:
    def __init__(self) -> None:
        self.latency: array[int] = array("q")
        self.service: array[int] = array("q")
        self.lag: array[int] = array("q")
        self.errors: Counter[str] = Counter()

    def part(self) -> plan.SeriesPart:
        return plan.SeriesPart(
            latency=hist.encode(hist.from_samples(self.latency)),
            service=hist.encode(hist.from_samples(self.service)),
            lag=hist.encode(hist.from_samples(self.lag)),
            sent=len(self.lag),
            ok=len(self.latency),
            errors=dict(self.errors),
        )


class Generator:
    """Sends the phases of each round on schedule; one instance per process."""

    def __init__(self, index: int, count: int, spin_ns: int) -> None:
        self.index = index
        self.count = count
        self.spin_ns = spin_ns
        self.nonce = os.urandom(2).hex()
        self.sequence = 0
        self.channel: grpc.aio.Channel | None = None

    async def connect(self, target: str) -> None:
        if self.channel is not None:
            await self.channel.close()
        self.channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        await asyncio.wait_for(self.channel.channel_ready(), 15)
        self.admin = agrpc.AdminServiceStub(self.channel)
        self.execution = pbgrpc.ExecutionServiceStub(self.channel)
        for _ in range(20):
            await self.admin.Ping(apb.PingRequest(), timeout=5)

    # -- one request per kind ------------------------------------------------

    def _order(
        self,
        account: str,
        symbol: str,
        quantity: str,
        side: order_pb2.Side,
        label: str,
        intended: int,
    ) -> Any:
        self.sequence += 1
        return pb.SubmitOrderRequest(
            account=account,
            symbol=symbol,
            side=side,
            quantity=quantity,
            type=order_pb2.ORDER_TYPE_MARKET,
            time_in_force=order_pb2.TIME_IN_FORCE_IOC,
            client_order_id=f"{label}.{self.nonce}{self.index}.{self.sequence}.{intended}",
        )

    async def _request(self, phase: plan.Phase, intended: int, n: int, timeout: float) -> None:
        if phase.kind == plan.PING:
            await self.admin.Ping(apb.PingRequest(), timeout=timeout)
        elif phase.kind == plan.SUBMIT:
            side = order_pb2.SIDE_BUY if self.sequence % 2 else order_pb2.SIDE_SELL
            request = self._order(
                phase.account, phase.symbol, phase.quantity, side, phase.label or "warm", intended
            )
            reply = await self.execution.SubmitOrder(request, timeout=timeout)
            if reply.order.state != order_pb2.ORDER_STATE_FILLED:
                raise WrongResponse("ORDER_" + order_pb2.OrderState.Name(reply.order.state))
        elif phase.kind == plan.STREAM_ACK:
            call = self.execution.StreamFills(pb.StreamFillsRequest(), timeout=timeout)
            try:
                first = await call.read()
            finally:
                call.cancel()
            if first is grpc.aio.EOF or not first.HasField("subscribed"):
                raise WrongResponse("NO_SUBSCRIPTION_ACK")
        elif phase.kind == plan.POSITIONS:
            if phase.whole_book or not phase.accounts:
                accounts: tuple[str, ...] = phase.accounts
            else:
                accounts = (phase.accounts[n % len(phase.accounts)],)
            reply = await self.execution.GetPositions(
                pb.GetPositionsRequest(accounts=accounts), timeout=timeout
            )
            if phase.expect and sum(len(a.positions) for a in reply.accounts) != phase.expect:
                raise WrongResponse("WRONG_POSITION_COUNT")
        else:
            raise ValueError(f"unknown kind {phase.kind!r}")

    async def _fire(
        self, phase: plan.Phase, rec: _Recorder, intended: int, sent: int, n: int, timeout: float
    ) -> None:
        try:
            await self._request(phase, intended, n, timeout)
        except grpc.aio.AioRpcError as exc:
            rec.errors[exc.code().name] += 1
            return
        except WrongResponse as exc:
            rec.errors[str(exc)] += 1
            return
        done = now_ns()
        rec.latency.append(done - intended)
        rec.service.append(done - sent)

    # -- commands --------------------------------------------------------------

    async def run_round(self, rnd: plan.Round) -> dict[str, plan.SeriesPart]:
        pacer = Pacer(self.spin_ns)
        recorders: dict[str, _Recorder] = {}
        tasks: set[asyncio.Task[None]] = set()
        start = rnd.t0_ns
        try:
            for phase in rnd.phases:
                rec = recorders.setdefault(phase.label, _Recorder())
                period = 1e9 / phase.rate  # of the merged schedule
                offset = period * self.index
                end = start + int(phase.seconds * 1e9)
                k = 0
                while (intended := start + int(offset + k * period * self.count)) < end:
                    await pacer.until(intended)
                    sent = now_ns()
                    rec.lag.append(sent - intended)
                    n = k * self.count + self.index
                    task = asyncio.ensure_future(
                        self._fire(phase, rec, intended, sent, n, rnd.timeout_s)
                    )
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    k += 1
                start = end
            if tasks:
                await asyncio.wait(tuple(tasks), timeout=rnd.timeout_s + 5)
        finally:
            pacer.close()
        recorders.pop("", None)
        return {label: rec.part() for label, rec in recorders.items()}

    async def build_positions(self, cmd: plan.BuildPositions) -> dict[str, plan.SeriesPart]:
        """Closed loop, ``concurrency`` in flight: this process's share of the pairs."""
        pairs = [(a, s) for a in cmd.accounts for s in cmd.symbols][self.index :: self.count]
        rec = _Recorder()
        queue = iter(pairs)

        async def worker() -> None:
            for account, symbol in queue:
                request = self._order(
                    account, symbol, cmd.quantity, order_pb2.SIDE_BUY, "setup", now_ns()
                )
                for _ in range(SETUP_RETRIES):
                    try:
                        reply = await self.execution.SubmitOrder(request, timeout=30)
                    except grpc.aio.AioRpcError as exc:
                        # Shed by admission control: set-up is not measured, so retry the
                        # same order (its client order id makes the retry idempotent).
                        if exc.code() is grpc.StatusCode.RESOURCE_EXHAUSTED:
                            await asyncio.sleep(0.005)
                            continue
                        rec.errors[exc.code().name] += 1
                    else:
                        if reply.order.state == order_pb2.ORDER_STATE_FILLED:
                            rec.latency.append(1)
                        else:
                            state = order_pb2.OrderState.Name(reply.order.state)
                            rec.errors["ORDER_" + state] += 1
                    break
                else:
                    rec.errors["RESOURCE_EXHAUSTED"] += 1
                rec.lag.append(0)

        await asyncio.gather(*(worker() for _ in range(cmd.concurrency)))
        return {"setup": rec.part()}


SETUP_RETRIES = 200


async def _serve(index: int, count: int, spin_ns: int, inbox: Any, outbox: Any) -> None:
    gen = Generator(index, count, spin_ns)
    loop = asyncio.get_running_loop()
    while True:
        cmd = await loop.run_in_executor(None, inbox.get)
        if cmd is None:
            break
        reply = plan.Reply(index=index)
        try:
            if isinstance(cmd, plan.Connect):
                await gen.connect(cmd.target)
                probe = Pacer(spin_ns)
                reply.precise_pacing = probe.precise
                probe.close()
            elif isinstance(cmd, plan.Round):
                reply.series = await gen.run_round(cmd)
            elif isinstance(cmd, plan.BuildPositions):
                reply.series = await gen.build_positions(cmd)
        except Exception as exc:  # reported to the orchestrator, which fails the run
            reply.error = f"{type(exc).__name__}: {exc}"
        outbox.put(reply)
    if gen.channel is not None:
        await gen.channel.close()


def main(
    index: int,
    count: int,
    spin_ns: int,
    inbox: multiprocessing.queues.Queue[Any],
    outbox: multiprocessing.queues.Queue[Any],
) -> None:
    """Process entry point (started with the ``spawn`` method)."""
    uvloop.run(_serve(index, count, spin_ns, inbox, outbox))
