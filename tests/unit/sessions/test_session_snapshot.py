"""A snapshot keeps queued orders and session events: a start from it equals a full replay."""

from __future__ import annotations

from pathlib import Path

from session_helpers import QUEUE, SYMBOL, Harness, et

from fillgate.app import build
from fillgate.config import Config
from fillgate.domain import events as ev
from fillgate.domain.commands import CancelOrder, OrderRef
from fillgate.domain.enums import OrderState, SessionPhase
from fillgate.domain.values import ManualClock
from fillgate.engine.engine import Engine
from fillgate.engine.recovery import rebuild
from fillgate.engine.snapshot import capture, encode, header
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.journal.snapshots import write_snapshot


async def _restarted(config: Config, path: Path, *, snapshots: bool) -> Engine:
    """Rebuild an engine from ``path`` as create_server does, then let the journal go."""
    journal = Journal(path, FsyncPolicy.NEVER)
    parts = build(config, clock=ManualClock(et("2026-12-05T04:00")), journal=journal)
    rebuild(parts.engine, journal, snapshots=snapshots)
    await journal.close()
    return parts.engine


async def test_snapshot_with_queued_orders_and_session_event_equals_full_replay(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.log"
    h = await Harness.start("2026-12-05T03:00", sessions=QUEUE, journal=path)
    kept = await h.submit_order(quantity=2)
    dropped = await h.submit_order(quantity=3)
    await h.engine.cancel(CancelOrder(ref=OrderRef(order_id=dropped.order_id)))
    h.engine.emit(
        ev.SessionChanged(
            symbol=SYMBOL,
            calendar="XNYS",
            phase=SessionPhase.CLOSED,
            next_open_ns=et("2026-12-07T09:30"),
            next_close_ns=et("2026-12-07T16:00"),
            ts_ns=h.clock.now_ns(),
        )
    )
    await h.engine.durable()
    assert h.journal is not None
    mark = h.journal.mark()
    assert mark is not None
    cap = capture(h.engine.state, h.engine.bus, mark, h.clock.now_ns())
    write_snapshot(path, cap.mark, header(cap), encode(cap))
    config = h.parts.config
    await h.stop()
    assert config.sessions.symbols[SYMBOL].closed_policy == "queue"

    from_snapshot = await _restarted(config, path, snapshots=True)
    replayed = await _restarted(config, path, snapshots=False)

    order = from_snapshot.order(kept.order_id)
    assert order is not None
    assert (order.state, order.release_ns) == (OrderState.QUEUED, et("2026-12-07T09:30"))
    assert list(from_snapshot.state.orders.orders.items()) == list(
        replayed.state.orders.orders.items()
    )
    assert from_snapshot.bus.retained_events() == replayed.bus.retained_events()
    assert any(isinstance(e.payload, ev.SessionChanged) for e in replayed.bus.retained_events())
