"""Kill -9 drill: an acknowledgement always means durable (issue 10, item 1).

A real server under steady load where every SubmitOrder is sent twice at once
(a client retrying before its first answer came back) and some cancels too, is
killed with SIGKILL at a random moment and restarted on the same journal,
several times. The rule under test: no answer of any RPC, first, repeated or
concurrent, may refer to state that a crash can take back. The second of a
pair is the dangerous one: it finds the order the first call created and can
answer (``duplicate=true``) while the first call still waits for the journal.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server_process import Served

from fillgate_client import AsyncFillgateClient, OrderState, SubscriptionAck
from fillgate_client.errors import FillgateError

CYCLES = 6
WORKERS = 24  # pairs in flight: many duplicate answers racing their first call's journal write
RESTING = {"type": "limit", "limit_price": "40000", "time_in_force": "GTC"}  # under the market
#: Admission control off: every pair must reach the engine, where the race is.
NO_SHEDDING = """
[server]
admission_max_in_flight_orders = 0
admission_max_loop_lag_ms = 0
admission_max_queue_delay_ms = 0
"""


#: How far a cancel got; after a restart an order must be at least as far as an answer said.
_CANCEL_PROGRESS = [OrderState.NEW, OrderState.PENDING_CANCEL, OrderState.CANCELED]


@dataclass
class Ledger:
    """What clients saw acknowledged, across every cycle."""

    #: client_order_id -> (the submit's arguments, the order id an OK answer named)
    orders: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    #: acknowledged resting orders not yet canceled: what the cancels pick from
    resting: list[str] = field(default_factory=list)
    #: order id -> the state an OK answer to its cancel reported (CANCELED, or PENDING_CANCEL
    #: when the venue had not confirmed yet: then the request itself must survive)
    canceled: dict[str, OrderState] = field(default_factory=dict)
    #: client ids whose every OK answer said duplicate=true (the first call's answer was lost)
    duplicate_only: set[str] = field(default_factory=set)
    pairs: int = 0


def submit_args(cid: str, n: int) -> dict[str, Any]:
    if n % 3 == 0:
        return {"side": "buy", "client_order_id": cid, **RESTING}
    return {"side": "buy" if n % 2 else "sell", "client_order_id": cid}


async def twice(call: Any) -> list[Any]:
    """Send the same call twice at once (a retry racing the original); return the OK answers."""
    answers = await asyncio.gather(call(), call(), return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException) and not isinstance(answer, FillgateError):
            raise answer
    return [a for a in answers if not isinstance(a, BaseException)]


async def load_until_killed(server: Served, ledger: Ledger, cycle: int, rng: random.Random) -> None:
    async with AsyncFillgateClient(server.target, timeout=10) as client:
        stop = asyncio.Event()

        async def submit_pair(n: int) -> None:
            args = submit_args(f"drill-{cycle}-{n}", n)
            ok = await twice(
                lambda: client.submit_order("paper", "BTC-USD", quantity="0.01", **args)
            )
            ledger.pairs += 1
            assert len({a.order.order_id for a in ok}) <= 1, "a retry created a second order"
            if ok:
                order_id = ok[0].order.order_id
                ledger.orders[args["client_order_id"]] = (args, order_id)
                if all(a.duplicate for a in ok):
                    ledger.duplicate_only.add(args["client_order_id"])
                if "limit_price" in args:
                    ledger.resting.append(order_id)

        async def cancel_pair() -> None:
            order_id = ledger.resting.pop(rng.randrange(len(ledger.resting)))
            ok = await twice(lambda: client.cancel_order(order_id))
            if ok:
                ledger.canceled[order_id] = min((a.state for a in ok), key=_CANCEL_PROGRESS.index)

        async def worker(w: int) -> None:
            n = w
            while not stop.is_set():
                if ledger.resting and rng.random() < 0.2:
                    await cancel_pair()
                else:
                    await submit_pair(n)
                    n += WORKERS

        workers = [asyncio.ensure_future(worker(w)) for w in range(WORKERS)]
        await asyncio.sleep(rng.uniform(0.4, 1.2))
        server.kill()
        stop.set()
        await asyncio.gather(*workers, return_exceptions=True)


async def stream_sequences(client: AsyncFillgateClient) -> tuple[int, list[int]]:
    """Read the whole stream from sequence 0 up to its head; return the head and what came."""
    seen: list[int] = []
    stream = client.stream_fills(from_sequence=0, heartbeat_interval_ms=500)
    try:
        async with asyncio.timeout(30):
            ack = await anext(stream)
            assert isinstance(ack, SubscriptionAck)
            while seen[-1:] != [ack.head_sequence] and ack.head_sequence:
                event = await anext(stream)
                sequence = getattr(event, "sequence", None)
                if sequence is not None:
                    seen.append(sequence)
    finally:
        await stream.aclose()
    return ack.head_sequence, seen


async def resubmit_all(client: AsyncFillgateClient, ledger: Ledger) -> dict[str, str]:
    """Send every acknowledged submit again; return the client ids not answered as duplicates."""
    wrong: dict[str, str] = {}
    limit = asyncio.Semaphore(32)

    async def again(cid: str, args: dict[str, Any], order_id: str) -> None:
        async with limit:
            result = await client.submit_order("paper", "BTC-USD", quantity="0.01", **args)
        if not result.duplicate or result.order.order_id != order_id:
            wrong[cid] = f"duplicate={result.duplicate} order {result.order.order_id} != {order_id}"

    await asyncio.gather(*(again(c, a, o) for c, (a, o) in ledger.orders.items()))
    return wrong


def test_kill_9_with_concurrent_retries_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    journal = tmp_path / "j.log"
    rng = random.Random()
    ledger = Ledger()
    for cycle in range(CYCLES):
        server = Served(tmp_path, journal, NO_SHEDDING)
        asyncio.run(load_until_killed(server, ledger, cycle, rng))
    acked = f"{len(ledger.orders)} orders and {len(ledger.canceled)} cancels acknowledged"
    print(f"{ledger.pairs} pairs sent twice; {acked}")
    assert len(ledger.orders) > 500 and ledger.canceled, "too little load to mean anything"

    async def check(target: str) -> None:
        async with AsyncFillgateClient(target, timeout=30) as client:
            head, seen = await stream_sequences(client)
            assert seen == list(range(1, head + 1)), "the stream has a gap or a repeat"

            orders = await client.list_orders(page_size=1000)
            by_client = [o.client_order_id for o in orders]
            assert len(by_client) == len(set(by_client)), "an order was duplicated"
            stored = {o.order_id: o for o in orders}
            lost = [c for c, (_, order_id) in ledger.orders.items() if order_id not in stored]
            assert not lost, (
                f"{len(lost)} of {len(ledger.orders)} acknowledged orders lost "
                f"({len(ledger.duplicate_only.intersection(lost))} of them acknowledged only "
                f"by duplicate=true answers): {lost[:3]}"
            )
            lost_cancels = [
                i for i in ledger.canceled if stored[i].state is not OrderState.CANCELED
            ]
            assert not lost_cancels, (
                f"{len(lost_cancels)} of {len(ledger.canceled)} acknowledged cancels lost"
            )

            wrong = await resubmit_all(client, ledger)
            assert not wrong, f"{len(wrong)} re-sent orders not found: {list(wrong.items())[:3]}"

    server = Served(tmp_path, journal, NO_SHEDDING)
    try:
        asyncio.run(check(server.target))
    finally:
        server.kill()
