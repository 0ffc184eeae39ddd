"""Fills on StreamFills carry the position right after them: opened, increased, ... closed."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate_client import AsyncFillgateClient, ExecType, PositionLifecycle


async def test_fill_reports_carry_each_step_of_the_position_lifecycle(
    client: AsyncFillgateClient, open_stream
) -> None:  # type: ignore[no-untyped-def]
    reader = await open_stream(exec_types=["trade"])
    steps = [("buy", "0.5"), ("buy", "0.5"), ("sell", "0.3"), ("sell", "1"), ("buy", "0.3")]
    for side, qty in steps:
        await client.submit_order("paper", "BTC-USD", side, D(qty))
    await reader.wait_for(lambda r: len(r.reports) == len(steps))
    changes = [r.position for r in reader.reports]
    assert [(c.lifecycle, c.quantity) for c in changes if c] == [
        (PositionLifecycle.OPENED, D("0.5")),
        (PositionLifecycle.INCREASED, D("1")),
        (PositionLifecycle.REDUCED, D("0.7")),
        (PositionLifecycle.REVERSED, D("-0.3")),
        (PositionLifecycle.CLOSED, D("0")),
    ]
    assert changes[0] is not None and changes[0].average_price == D(50000)
    assert changes[-1] is not None and changes[-1].average_price is None


async def test_reports_other_than_fills_carry_no_position(
    client: AsyncFillgateClient, open_stream
) -> None:  # type: ignore[no-untyped-def]
    reader = await open_stream()
    await client.submit_order("paper", "BTC-USD", "buy", D("0.1"))
    await reader.wait_for(lambda r: any(x.exec_type is ExecType.TRADE for x in r.reports))
    assert [r.position is not None for r in reader.reports] == [
        r.exec_type is ExecType.TRADE for r in reader.reports
    ]


async def test_fill_position_is_the_same_when_resumed_after_a_restart(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    from support import CONFIG

    from fillgate.app import create_server
    from fillgate.config import config_from_dict

    config = config_from_dict({**CONFIG, "journal": {"path": str(tmp_path / "j.log")}})
    live = []
    server = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{server.port}", timeout=10) as c:
            for side in ("buy", "sell", "sell"):
                await c.submit_order("paper", "BTC-USD", side, D("0.2"))
            async for event in c.stream_fills(from_sequence=0, heartbeat_interval_ms=300):
                if getattr(event, "exec_type", None) is ExecType.TRADE:
                    live.append(event.position)
                if len(live) == 3:
                    break
    finally:
        await server.stop(grace=0.5)
    again = await create_server(config, listen="127.0.0.1:0")
    replayed = []
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{again.port}", timeout=10) as c:
            async for event in c.stream_fills(from_sequence=0, heartbeat_interval_ms=300):
                if getattr(event, "exec_type", None) is ExecType.TRADE:
                    replayed.append(event.position)
                if len(replayed) == 3:
                    break
    finally:
        await again.stop(grace=0.5)
    assert [p.lifecycle for p in live] == [
        PositionLifecycle.OPENED,
        PositionLifecycle.CLOSED,
        PositionLifecycle.OPENED,
    ]
    assert replayed == live
