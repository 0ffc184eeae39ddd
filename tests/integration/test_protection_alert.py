"""PROTECTION_FAILED end to end: the bracket runner's give-up reaches a client's stream.

The venue refusing a bracket's closing orders is tested per venue
(``tests/venues/test_ccxt_bracket_shapes.py``); here a real server's runner reports
that it gave up, and the alert arrives on StreamFills as the client's enum.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from support import CONFIG, StreamReader

from fillgate.app import create_server
from fillgate.config import config_from_dict
from fillgate_client import Alert, AlertKind, AsyncFillgateClient


async def test_protection_failed_bracket_close_given_up_streams_an_alert(tmp_path: Path) -> None:
    config = config_from_dict({**CONFIG, "journal": {"path": str(tmp_path / "journal.log")}})
    running = await create_server(config, listen="127.0.0.1:0")
    try:
        async with AsyncFillgateClient(f"127.0.0.1:{running.port}", timeout=10) as client:
            reader = await StreamReader(client).start()
            try:
                hook = running.parts.brackets.on_close_given_up
                assert hook is not None, "the alerter is not hooked into the bracket runner"
                hook(
                    account="paper",
                    symbol="BTC-USD",
                    list_id="O-1",
                    role="sl",
                    attempts=3,
                    reason="VENUE_REJECTED -2010: insufficient balance",
                )
                await reader.wait_for(lambda r: any(isinstance(e, Alert) for e in r.events))
            finally:
                await reader.stop()
    finally:
        await running.stop(grace=0.5)

    (alert,) = [e for e in reader.events if isinstance(e, Alert)]
    assert (alert.kind, alert.account, alert.symbol) == (
        AlertKind.PROTECTION_FAILED,
        "paper",
        "BTC-USD",
    )
    assert (alert.value, alert.threshold) == (D(3), D(3))
    assert "O-1" in alert.message
