"""Durability end to end: restart, kill -9, torn tails, resume across restarts."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from fillgate.app import create_server
from fillgate.config import config_from_dict
from fillgate_client import (
    AsyncFillgateClient,
    ExecType,
    ExecutionReport,
    HaltScope,
    OrderState,
    ResourceExhaustedError,
    SubscriptionAck,
)

CONFIG = {
    "accounts": {"paper": {"starting_cash": "1000000"}},
    "symbols": {
        "BTC-USD": {"reference_price": "50000", "price_precision": 2, "quantity_precision": 6},
        "ETH-USD": {"reference_price": "3000", "price_precision": 2, "quantity_precision": 5},
    },
}


#: Admission control off: these tests push load on purpose and assert on durability,
#: not on shedding (tests/integration/test_admission.py and test_overload.py do that).
NO_SHEDDING = {
    "admission_max_in_flight_orders": 0,
    "admission_max_loop_lag_ms": 0,
    "admission_max_queue_delay_ms": 0,
}


def config(journal: Path, **streams: int):
    return config_from_dict(
        {**CONFIG, "journal": {"path": str(journal)}, "streams": streams, "server": NO_SHEDDING}
    )


async def started(journal: Path, **streams: int):
    server = await create_server(config(journal, **streams), listen="127.0.0.1:0")
    return server, AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10)


async def reports(client, count: int, **kwargs) -> list[ExecutionReport]:
    out: list[ExecutionReport] = []
    stream = client.stream_fills(**kwargs)
    try:
        async with asyncio.timeout(10):
            async for event in stream:
                if isinstance(event, ExecutionReport):
                    out.append(event)
                    if len(out) == count:
                        break
    finally:
        await stream.aclose()
    return out


async def test_restart_rebuilds_orders_positions_trading_state_and_idempotency(tmp_path):
    journal = tmp_path / "j.log"
    server, client = await started(journal)
    filled = await client.submit_order("paper", "BTC-USD", "buy", "2", client_order_id="k1")
    resting = await client.submit_order(
        "paper", "BTC-USD", "sell", "1", type="limit", limit_price="51000", client_order_id="k2"
    )
    await client.set_reference_price("BTC-USD", "50500")
    await client.halt(HaltScope.SYMBOL, "ETH-USD", reason="maintenance")
    before = await client.get_positions("paper")
    await client.close()
    await server.stop(0.5)

    server, client = await started(journal)
    try:
        again = await client.submit_order("paper", "BTC-USD", "buy", "2", client_order_id="k1")
        assert again.duplicate and again.order.order_id == filled.order.order_id
        assert (await client.get_order(resting.order.order_id)).state is OrderState.NEW
        assert await client.get_positions("paper") == before
        [restriction] = await client.trading_state()
        assert (restriction.scope, restriction.target) == (HaltScope.SYMBOL, "ETH-USD")
        await client.set_reference_price("BTC-USD", "51000")  # the paper venue still has it
        assert (await client.get_order(resting.order.order_id)).state is OrderState.FILLED
    finally:
        await client.close()
        await server.stop(0.5)


async def test_stream_resume_across_restart_delivers_every_sequence_once_in_order(tmp_path):
    journal = tmp_path / "j.log"
    server, client = await started(journal)
    for _ in range(4):
        await client.submit_order("paper", "ETH-USD", "buy", "0.1")
    first = await reports(client, 7, from_sequence=0)  # stop part-way, at sequence 7
    await client.close()
    await server.stop(0.5)

    server, client = await started(journal)
    try:
        for _ in range(2):
            await client.submit_order("paper", "ETH-USD", "sell", "0.1")
        rest = await reports(client, 11, from_sequence=first[-1].sequence)
    finally:
        await client.close()
        await server.stop(0.5)
    seen = [r.sequence for r in first + rest]
    assert seen == list(range(1, 19))
    assert len({r.exec_id for r in first + rest}) == 18


async def test_stream_resume_older_than_memory_is_served_from_journal(tmp_path):
    server, client = await started(tmp_path / "j.log", retain=4)
    try:
        for _ in range(5):
            await client.submit_order("paper", "ETH-USD", "buy", "0.1")
        replayed = await reports(client, 13, from_sequence=2)
        assert [r.sequence for r in replayed] == list(range(3, 16))
        assert replayed[0].exec_type is ExecType.TRADE
    finally:
        await client.close()
        await server.stop(0.5)


async def test_restart_with_torn_tail_truncates_and_starts(tmp_path):
    journal = tmp_path / "j.log"
    server, client = await started(journal)
    await client.submit_order("paper", "BTC-USD", "buy", "1")
    await client.close()
    await server.stop(0.5)
    with open(journal, "ab") as f:
        f.write(b"\x40\x00\x00\x00\x12\x34")  # a header promising 64 bytes that never came
    server, client = await started(journal)
    try:
        [account] = await client.get_positions("paper")
        assert account.positions[0].quantity == 1
        assert (await client.submit_order("paper", "BTC-USD", "buy", "1")).order.state is (
            OrderState.FILLED
        )
    finally:
        await client.close()
        await server.stop(0.5)


async def test_stream_random_disconnect_resume_cycles_have_no_gap_or_duplicate(tmp_path):
    server, client = await started(tmp_path / "j.log")
    rng = random.Random(7)
    stop = asyncio.Event()

    async def trade() -> None:
        i = 0
        while not stop.is_set():
            await client.submit_order("paper", "ETH-USD", "buy" if i % 2 else "sell", "0.1")
            i += 1

    producer = asyncio.ensure_future(trade())
    seen: list[int] = []
    try:
        last = 0
        for _ in range(100):
            stream = client.stream_fills(from_sequence=last)
            take = rng.randint(1, 8)
            async with asyncio.timeout(10):
                async for event in stream:
                    if isinstance(event, ExecutionReport):
                        seen.append(event.sequence)
                        last = event.sequence
                        take -= 1
                        if take == 0:
                            break
            await stream.aclose()  # a disconnect at a random point
    finally:
        stop.set()
        await producer
        await client.close()
        await server.stop(0.5)
    assert seen == list(range(1, len(seen) + 1))


async def test_slow_consumer_is_cut_off_while_orders_keep_flowing(tmp_path):
    server, client = await started(tmp_path / "j.log", subscriber_queue=20)
    # A fixed 64 KiB HTTP/2 window, so the transport stops absorbing what the consumer
    # does not read and the backlog reaches the server's bounded queue.
    slow_client = AsyncFillgateClient(
        f"127.0.0.1:{server.port}", channel_options=[("grpc.http2.bdp_probe", 0)]
    )
    stream = slow_client.stream_fills()
    try:
        assert isinstance(await anext(stream), SubscriptionAck)
        async with asyncio.timeout(60):  # every submit completes while the consumer lags
            for i in range(600):
                await client.submit_order("paper", "ETH-USD", "buy" if i % 2 else "sell", "0.1")
                if i % 100 == 0:
                    await anext(stream)  # reading about 10 messages a second
                    await asyncio.sleep(0.1)
        with pytest.raises(ResourceExhaustedError) as err:
            async with asyncio.timeout(20):
                async for _ in stream:
                    pass
        assert err.value.reason == "SUBSCRIBER_TOO_SLOW"
        assert int(err.value.metadata["last_sequence"]) > 0
    finally:
        await stream.aclose()
        await slow_client.close()
        await client.close()
        await server.stop(0.5)


def test_kill_9_mid_submits_loses_no_acknowledged_order(tmp_path):
    """Every order a client saw acknowledged survives kill -9; nothing is doubled."""
    journal = tmp_path / "j.log"
    binary = str(Path(sys.executable).parent / "fillgate")

    def serve() -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--journal", str(journal)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "FILLGATE_LOG_LEVEL": "WARNING"},
        )
        assert proc.stdout is not None
        match = re.search(r"listening on (\S+)", proc.stdout.readline())
        assert match, "server did not start"
        return proc, match.group(1)

    async def submit_until_killed(target: str, proc: subprocess.Popen[str]) -> list[str]:
        acked: list[str] = []
        async with AsyncFillgateClient(target, timeout=5) as client:

            async def one(i: int) -> None:
                side = "buy" if i % 3 else "sell"
                result = await client.submit_order(
                    "paper", "BTC-USD", side, "0.01", client_order_id=f"kill-{i}"
                )
                acked.append(result.order.client_order_id)

            pending: set[asyncio.Future[None]] = set()
            i = 0
            try:
                while True:
                    if i == 300:
                        proc.send_signal(signal.SIGKILL)  # in the middle of the stream
                    pending.add(asyncio.ensure_future(one(i)))
                    i += 1
                    if len(pending) >= 8:
                        done, pending = await asyncio.wait(
                            pending, return_when=asyncio.FIRST_COMPLETED
                        )
                        if any(f.exception() for f in done):
                            break
            finally:
                await asyncio.gather(*pending, return_exceptions=True)
        return acked

    proc, target = serve()
    acked = asyncio.run(submit_until_killed(target, proc))
    proc.wait(10)
    assert len(acked) >= 250

    proc, target = serve()
    try:

        async def check() -> None:
            async with AsyncFillgateClient(target, timeout=10) as client:
                orders = await client.list_orders(account="paper")
                ids = [o.client_order_id for o in orders]
                assert len(ids) == len(set(ids)), "an order was duplicated"
                assert set(acked) <= set(ids), "an acknowledged order was lost"
                assert all(o.state is OrderState.FILLED for o in orders)
                signed = sum(
                    (o.filled_quantity if o.side.name == "BUY" else -o.filled_quantity)
                    for o in orders
                )
                [account] = await client.get_positions("paper", include_flat=True)
                [pos] = account.positions
                assert pos.quantity == signed
                assert signed == sum(
                    D("0.01") if int(c.split("-")[1]) % 3 else D("-0.01") for c in ids
                )

        asyncio.run(check())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


async def test_audit_lists_executions_by_account_symbol_time_and_trades(tmp_path):
    from datetime import UTC, datetime

    server, client = await started(tmp_path / "j.log")
    try:
        await client.submit_order("paper", "BTC-USD", "buy", "1")
        cut = datetime.now(UTC)
        await asyncio.sleep(0.01)
        placed = await client.submit_order("paper", "ETH-USD", "sell", "2")
        everything = await client.list_executions()
        assert [r.sequence for r in everything] == list(range(1, 7))
        trades = await client.list_executions(trades_only=True)
        assert [(r.symbol, r.last_quantity) for r in trades] == [("BTC-USD", 1), ("ETH-USD", 2)]
        assert [r.symbol for r in await client.list_executions(symbol="ETH-USD")] == ["ETH-USD"] * 3
        later = await client.list_executions(since=cut)
        assert {r.order_id for r in later} == {placed.order.order_id}
        assert await client.list_executions(until=cut, symbol="ETH-USD") == []
        history = await client.list_executions(order_id=placed.order.order_id)
        assert [r.exec_type for r in history] == [
            ExecType.PENDING_NEW,
            ExecType.NEW,
            ExecType.TRADE,
        ]
    finally:
        await client.close()
        await server.stop(0.5)
