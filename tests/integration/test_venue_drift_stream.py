"""VenueDrift end to end: published on the bus, filtered, journaled, resumed after a restart.

Reconciliation publishes drifts through ``engine.emit``; these tests
call it directly on an in-process server, so no venue needs to disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support import CONFIG, StreamReader

from fillgate.app import create_server
from fillgate.config import config_from_dict
from fillgate.domain import events as ev
from fillgate_client import (
    AsyncFillgateClient,
    DriftKind,
    ExecutionReport,
    Heartbeat,
    SubscriptionAck,
    VenueDrift,
)


def make_config(journal: Path, **streams: int) -> Any:
    return config_from_dict({**CONFIG, "journal": {"path": str(journal)}, "streams": streams})


def drift(account: str, symbol: str, kind: str, ours: str = "", venue: str = "") -> ev.VenueDrift:
    return ev.VenueDrift(
        account=account,
        symbol=symbol,
        kind=kind,
        ours=ours,
        venue=venue,
        message=f"{kind} drift on {account}",
        ts_ns=1_714_564_801_500_000_000,
    )


async def history(client: AsyncFillgateClient, from_sequence: int) -> list[Any]:
    """Every event after ``from_sequence`` up to the head the stream opened at (or a silence)."""
    events: list[Any] = []
    async for event in client.stream_fills(from_sequence=from_sequence, heartbeat_interval_ms=500):
        if isinstance(event, SubscriptionAck):
            head = event.head_sequence
            if head <= from_sequence:
                break
            continue
        if isinstance(event, Heartbeat):
            break
        events.append(event)
        if event.sequence >= head:
            break
    return events


async def test_venue_drift_published_reaches_only_streams_of_its_account(tmp_path):
    server = await create_server(make_config(tmp_path / "j.log"), listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            alpha = await StreamReader(client, accounts=["alpha"]).start()
            eth = await StreamReader(client, symbols=["ETH-USD"]).start()
            engine = server.parts.engine
            engine.emit(drift("paper", "BTC-USD", "position"))
            engine.emit(drift("alpha", "", "reconcile_failed"))

            def drifts(reader: StreamReader) -> list[VenueDrift]:
                return [e for e in reader.events if isinstance(e, VenueDrift)]

            try:
                # Published in order, so a wrongly delivered paper drift would come first.
                await alpha.wait_for(lambda r: drifts(r))
                await eth.wait_for(lambda r: drifts(r))
            finally:
                await alpha.stop()
                await eth.stop()

            (seen,) = drifts(alpha)
            assert (seen.sequence, seen.account, seen.symbol) == (2, "alpha", "")
            assert seen.kind is DriftKind.RECONCILE_FAILED
            assert seen.message == "reconcile_failed drift on alpha"
            assert seen.detected_time is not None
            # An account-wide drift has no symbol, so it matches every symbol filter.
            assert [d.sequence for d in drifts(eth)] == [2]
    finally:
        await server.stop(grace=0.5)


async def test_venue_drift_resumed_after_a_restart_from_memory_and_from_the_journal(tmp_path):
    journal = tmp_path / "j.log"
    server = await create_server(make_config(journal), listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as client:
            reader = await StreamReader(client).start()
            await client.submit_order("paper", "BTC-USD", "buy", "0.1")
            engine = server.parts.engine
            position = drift("paper", "BTC-USD", "position", ours="1", venue="2")
            engine.emit(position)
            engine.emit(drift("alpha", "", "unknown_order", venue="V-9"))
            try:
                await reader.wait_for(
                    lambda r: len([e for e in r.events if isinstance(e, VenueDrift)]) == 2
                )
            finally:
                await reader.stop()
            before = [e for e in reader.events if hasattr(e, "sequence")]
    finally:
        await server.stop(grace=0.5)
    first, second = [e for e in before if isinstance(e, VenueDrift)]
    assert (first.kind, first.ours, first.venue) == (DriftKind.POSITION, "1", "2")
    assert (second.kind, second.venue) == (DriftKind.UNKNOWN_ORDER, "V-9")

    # retain=2: the ring rebuilt by replay holds just the two drifts.
    again = await create_server(make_config(journal, retain=2), listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{again.port}", timeout=10) as client:
            from_memory = await history(client, first.sequence - 1)
            from_journal = await history(client, 0)
    finally:
        await again.stop(grace=0.5)

    assert from_memory == [first, second]
    # Replayed reports lose only their monotonic latency stamp; drifts come back unchanged.
    assert [e for e in from_journal if isinstance(e, VenueDrift)] == [first, second]
    assert [e.sequence for e in from_journal] == [e.sequence for e in before]
    assert [e.sequence for e in before] == list(range(1, second.sequence + 1))
    assert any(isinstance(e, ExecutionReport) for e in from_journal)
