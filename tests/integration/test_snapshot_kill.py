"""kill -9 after periodic snapshots: `fillgate serve` comes back from its snapshot with every order.

The server takes a snapshot every 30 journal records while orders keep
coming, is killed with SIGKILL (no shutdown snapshot), and restarts from the
newest snapshot plus the records after it: every acknowledged order is there
with its state, a re-sent client order id is a duplicate, and the positions
are what the orders add up to.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from fillgate.journal.snapshots import list_snapshots
from fillgate_client import AsyncFillgateClient, OrderState

BIN = Path(sys.executable).parent / "fillgate"
CONFIG = """
[accounts.paper]
starting_cash = "1000000"

[symbols.ETH-USD]
reference_price = "3000"
price_precision = 2
quantity_precision = 5

[journal]
path = "{journal}"
snapshot_every = 30
"""


@contextmanager
def serving(config: Path, log: Path) -> Iterator[str]:
    """Run `fillgate serve` (logging to ``log``) and yield its address; SIGKILL it after."""
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [str(BIN), "serve", "--config", str(config), "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, "FILLGATE_LOG_LEVEL": "INFO"},
        )
    assert proc.stdout is not None
    match = re.search(r"listening on (\S+)", proc.stdout.readline())
    try:
        assert match, "the server did not start"
        yield match.group(1)
    finally:
        proc.kill()  # SIGKILL: no graceful stop, no snapshot at shutdown
        proc.wait()


async def _place(target: str, count: int, first: int = 0) -> list[str]:
    client = AsyncFillgateClient(target, timeout=10)
    try:
        ids = []
        for i in range(first, first + count):
            side = "buy" if i % 3 else "sell"
            result = await client.submit_order(
                "paper", "ETH-USD", side, "0.1", client_order_id=f"k-{i}"
            )
            ids.append(result.order.order_id)
        return ids
    finally:
        await client.close()


def test_kill_after_snapshots_restarts_with_every_order(tmp_path: Path) -> None:
    journal = tmp_path / "j.log"
    config = tmp_path / "fillgate.toml"
    config.write_text(CONFIG.format(journal=journal))
    with serving(config, tmp_path / "first.log") as target:
        placed = asyncio.run(_place(target, 30))
        for _ in range(100):  # the server checks once a second
            if list_snapshots(journal):
                break
            time.sleep(0.05)
        placed += asyncio.run(_place(target, 10, first=30))  # the tail after it
    newest = list_snapshots(journal)[0].journal_seq  # none: IndexError

    async def check(target: str) -> None:
        client = AsyncFillgateClient(target, timeout=10)
        try:
            orders = await client.list_orders()
            assert [o.order_id for o in orders] == placed
            assert {o.state for o in orders} == {OrderState.FILLED}
            again = await client.submit_order(
                "paper", "ETH-USD", "sell", "0.1", client_order_id="k-0"
            )
            assert again.duplicate and again.order.order_id == placed[0]
            [account] = await client.get_positions("paper")
            buys = sum(1 for i in range(40) if i % 3)
            expected = Decimal("0.1") * (buys - (40 - buys))
            assert account.positions[0].quantity == expected
        finally:
            await client.close()

    with serving(config, tmp_path / "second.log") as target:
        asyncio.run(check(target))
    replayed = re.search(
        r"journal_replayed snapshot_seq=(\d+)", (tmp_path / "second.log").read_text()
    )
    assert replayed is not None and int(replayed.group(1)) == newest
