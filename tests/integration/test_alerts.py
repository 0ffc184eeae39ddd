"""Operator alerts end to end: a costly fill raises an alert on the stream, kept in the journal."""

from __future__ import annotations

from decimal import Decimal as D

from support import CONFIG, StreamReader

from fillgate.app import create_server
from fillgate.config import config_from_dict
from fillgate_client import Alert, AlertKind, AsyncFillgateClient, ExecType


async def test_alert_stop_order_filled_far_from_arrival_streams_slippage_alert(client, open_stream):
    reader = await open_stream()
    await client.submit_order("paper", "BTC-USD", "buy", "0.1", type="stop", stop_price="50300")
    await client.set_reference_price("BTC-USD", D(50400))  # triggers, fills 80 bps above arrival

    await reader.wait_for(lambda r: any(isinstance(e, Alert) for e in r.events))

    (alert,) = [e for e in reader.events if isinstance(e, Alert)]
    trade = next(r for r in reader.reports if r.exec_type is ExecType.TRADE)
    assert (alert.kind, alert.account, alert.symbol) == (AlertKind.SLIPPAGE, "paper", "BTC-USD")
    assert alert.value == D("80") and alert.threshold == D(50)
    assert alert.sequence > trade.sequence  # raised after the fill that caused it


async def test_alert_replayed_from_journal_after_restart(tmp_path):
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "j.log")},
            "alerts": {"slippage_bps": "10"},
            "server": {"admission_max_queue_delay_ms": 0, "admission_max_loop_lag_ms": 0},
        }
    )
    running = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as c:
            reader = await StreamReader(c).start()
            await c.submit_order("paper", "BTC-USD", "buy", "0.1", type="stop", stop_price="50100")
            await c.set_reference_price("BTC-USD", D(50200))
            await reader.wait_for(lambda r: any(isinstance(e, Alert) for e in r.events))
            await reader.stop()
    finally:
        await running.stop(grace=0.5)
    again = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{again.port}", timeout=10) as c:
            replayed = await StreamReader(c, from_sequence=1).start()
            await replayed.wait_for(lambda r: any(isinstance(e, Alert) for e in r.events))
            await replayed.stop()
    finally:
        await again.stop(grace=0.5)
    (alert,) = [e for e in replayed.events if isinstance(e, Alert)]
    assert alert.value == D("40") and alert.kind is AlertKind.SLIPPAGE
