"""``kill -9`` for the conformance suite (test_conformance_crash.py): fillgate as a real
``fillgate serve`` process against a fake venue that stays in the test's process.

:func:`served` starts the fake, writes a config that points one account at it,
and starts the server on the fake's loop without blocking it (the server
talks to the fake while it starts). :meth:`Served.crash` sends SIGKILL, runs
what the venue does while fillgate is down, and starts a new process on the
same journal: no journal close or tail trim, no snapshot at stop, no venue
goodbye, nothing flushed that was not already durable. Everything the tests
read about fillgate comes through the gRPC client.

The embedded paper venue lives inside the server, so its "venue" side is
driven through the server too (:class:`PaperSide`: reference prices cross the
resting orders) and cannot trade while fillgate is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from conformance_support import ACCOUNT, FAKES
from fakes.paper import FakePaper

from fillgate.venues.alpaca.driver import AlpacaDriver
from fillgate.venues.ccxt.driver import BINANCE_CLIENT_IDS
from fillgate.venues.driver import ClientIdRule
from fillgate.venues.oanda.driver import OandaDriver
from fillgate.venues.runtime.client_ids import venue_client_id
from fillgate_client import (
    AsyncFillgateClient,
    DriftKind,
    Heartbeat,
    Order,
    OrderState,
    StreamEventKind,
    VenueDrift,
)

REPO = Path(__file__).resolve().parents[2]
_MAIN = "import sys; from fillgate_client.cli import main; sys.exit(main(sys.argv[1:]))"
_READY = "listening on "
#: The order path must not shed the test's orders while the machine is busy.
_SERVER = {
    "admission_max_in_flight_orders": 0,
    "admission_max_loop_lag_ms": 0,
    "admission_max_queue_delay_ms": 0,
}
OPEN = (OrderState.NEW, OrderState.PARTIALLY_FILLED)


def toml(tables: dict[str, Any], prefix: str = "") -> str:
    """``tables`` as TOML: a dict value is a [table] of its own, the rest ``key = value``."""
    lines = [f"{k} = {json.dumps(v)}" for k, v in tables.items() if not isinstance(v, dict)]
    for key, value in tables.items():
        if isinstance(value, dict):
            name = f"{prefix}.{key}" if prefix else key
            lines.append(f"\n[{name}]\n{toml(value, name)}")
    return "\n".join(lines)


class PaperSide:
    """The paper venue as the harness's fake: it lives in the server, so
    :class:`Served` drives it through the client (reference prices)."""

    venue = "paper"
    symbol = FakePaper.symbol
    symbol_table = FakePaper.symbol_table
    quantity = FakePaper.quantity
    price = FakePaper.price

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def account_table(self) -> dict[str, Any]:
        return {"venue": "paper"}

    def environment(self) -> dict[str, str]:
        return {}


class Served:
    """One fake venue account served by a ``fillgate serve`` process that can be killed."""

    def __init__(
        self, fake: Any, workdir: Path, symbol: dict[str, Any], account: dict[str, Any]
    ) -> None:
        self.fake = fake
        self.workdir = workdir
        self.journal = workdir / "journal"
        self.config = workdir / "fillgate.toml"
        self.config.write_text(
            toml(
                {
                    "server": _SERVER,
                    "accounts": {ACCOUNT: fake.account_table() | account},
                    "symbols": {fake.symbol: fake.symbol_table | symbol},
                }
            )
        )
        self.proc: asyncio.subprocess.Process | None = None
        self._client: AsyncFillgateClient | None = None

    @property
    def client(self) -> AsyncFillgateClient:
        assert self._client is not None, "the server is down"
        return self._client

    async def start(self, timeout: float = 30.0) -> None:
        env = {k: v for k, v in os.environ.items() if k != "FILLGATE_CONFIG"}
        env |= self.fake.environment()
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "server"), str(REPO / "clients")])
        log_file = os.environ.get("FILLGATE_DRILL_LOG")
        env["FILLGATE_LOG_LEVEL"] = "DEBUG" if log_file else "CRITICAL"
        self.proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-c", _MAIN, "serve", "--listen", "127.0.0.1:0"),
            *("--config", str(self.config), "--journal", str(self.journal)),
            stdout=asyncio.subprocess.PIPE,
            stderr=open(log_file, "a") if log_file else asyncio.subprocess.DEVNULL,  # noqa: SIM115
            env=env,
            cwd=self.workdir,
        )
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                if not line:
                    raise RuntimeError("fillgate serve exited before it listened")
                if _READY in line:
                    target = line.split(_READY, 1)[1].split()[0]
                    break
        self._client = AsyncFillgateClient(target, timeout=30)

    async def kill(self) -> None:
        """SIGKILL: no shutdown path runs; what the journal has is all there is."""
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self.proc is not None:
            running = self.proc.returncode is None
            if running:
                self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()
            assert not running or self.proc.returncode == -signal.SIGKILL
            self.proc = None

    async def crash(self, while_down: Callable[[], Awaitable[None]] | None = None) -> None:
        """kill -9, let the venue trade (``while_down``), start again on the same journal."""
        await self.kill()
        if while_down is not None:
            await while_down()
        await self.start()

    # -- reading fillgate through the client -------------------------------------------

    async def order(self, order_id: str) -> Order:
        return await self.client.get_order(order_id)

    async def until(self, order_id: str, *states: OrderState, timeout: float = 10.0) -> Order:
        async with asyncio.timeout(timeout):
            while (found := await self.order(order_id)).state not in states:
                await asyncio.sleep(0.03)
        return found

    async def eventually(self, check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.03)

    async def position(self) -> Decimal:
        (account,) = await self.client.get_positions([ACCOUNT])
        held = [p.quantity for p in account.positions if p.symbol == self.fake.symbol]
        return sum(held, Decimal(0))

    async def members(self, list_id: str) -> dict[str, Order]:
        """The list's members by role (``ct.role``: sl, tp.1, leg2 ...), the newest of each."""
        found = await self.client.get_order_list(list_id)
        return {m.tags["ct.role"]: m for m in found.members}

    async def protection(self, list_id: str) -> dict[str, Decimal]:
        """Role -> quantity of the list's working members."""
        return {r: m.quantity for r, m in (await self.members(list_id)).items() if m.state in OPEN}

    async def drifts(self) -> list[Any]:
        """Every VenueDrift fillgate has journaled (reconciliations at each start included)."""
        found: list[Any] = []
        stream = self.client.stream_fills(
            ACCOUNT, from_sequence=0, heartbeat_interval_ms=100, kinds=[StreamEventKind.VENUE_DRIFT]
        )
        async with contextlib.aclosing(stream), asyncio.timeout(10):
            async for event in stream:
                if isinstance(event, Heartbeat):
                    return found
                if isinstance(event, VenueDrift) and event.kind is not DriftKind.RECONCILED:
                    found.append(event)
        return found

    # -- the venue's side ------------------------------------------------------------

    @property
    def networked(self) -> bool:
        return not isinstance(self.fake, PaperSide)

    def tick(self) -> Decimal:
        return Decimal(1).scaleb(-int(self.fake.symbol_table["price_precision"]))

    def price_at(self, factor: str) -> Decimal:
        """The start price times ``factor``, on the venue's tick."""
        return (self.fake.price * Decimal(factor)).quantize(self.tick())

    def venue_id(self, order: Order) -> str:
        """The client id the venue knows ``order`` (as it is now) by."""
        rule = _CLIENT_IDS.get(self.fake.venue)
        if rule is None:  # the paper venue keeps ours
            return order.client_order_id
        return venue_client_id(rule, ACCOUNT, order.client_order_id, order.version)

    async def fill(self, order: Order, quantity: Decimal) -> None:
        """The venue trades ``quantity`` of ``order`` at its limit (paper: the price
        reaches the limit, and the symbol's ``paper_liquidity`` caps what fills)."""
        assert order.limit_price is not None
        if self.networked:
            self.fake.fill(self.venue_id(order), quantity, order.limit_price)
        else:
            await self.client.set_reference_price(self.fake.symbol, order.limit_price)

    async def move(self, price: Decimal) -> None:
        """The market moves to ``price``: at the venue (its quotes reach fillgate), or paper's."""
        if self.networked:
            self.fake.set_price(price)
        else:
            await self.client.set_reference_price(self.fake.symbol, price)

    async def at_venue(self) -> dict[str, Decimal]:
        """Venue client id -> open quantity of every order the venue works."""
        if not self.networked:
            return {
                o.client_order_id: o.leaves_quantity
                for o in await self.client.list_orders(ACCOUNT, open_only=True)
            }
        return {
            o.client_id: o.quantity - o.filled
            for o in self.fake.orders()
            if o.status in _VENUE_OPEN
        }

    async def placed(self) -> int:
        """How many orders the venue was ever sent (paper's are fillgate's own)."""
        if self.networked:
            return len(self.fake.orders())
        return len(await self.client.list_orders(ACCOUNT))

    async def reconciled(self) -> None:
        """Fillgate and the venue agree: no drift journaled, and the orders fillgate works
        are the ones the venue works, for what they have left, and nothing else is.

        A leg of a native list may carry the venue's own client id (Alpaca's OCO
        stop leg): it is matched by its quantity only.
        """
        drifts = await self.drifts()
        assert drifts == [], drifts
        ours = await self.client.list_orders(ACCOUNT, open_only=True)
        theirs = await self.at_venue()
        assert sorted(o.leaves_quantity for o in ours) == sorted(theirs.values())
        for order in ours:
            if "ct.native" not in order.tags:
                assert theirs.get(self.venue_id(order)) == order.leaves_quantity, order


_CLIENT_IDS: dict[str, ClientIdRule] = {
    "ccxt": BINANCE_CLIENT_IDS,
    "oanda": OandaDriver.client_ids,
    "alpaca": AlpacaDriver.client_ids,
}
#: The fakes' words for an order that still works (Binance, OANDA, Alpaca).
_VENUE_OPEN = frozenset(
    {"NEW", "PARTIALLY_FILLED", "PENDING", "new", "accepted", "partially_filled", "held"}
)


@contextlib.asynccontextmanager
async def served(
    name: str,
    workdir: Path,
    symbol: dict[str, Any] | None = None,
    account: dict[str, Any] | None = None,
) -> AsyncIterator[Served]:
    """Fake venue ``name`` and a ``fillgate serve`` process trading at it (``symbol`` and
    ``account`` over the fake's [symbols] and [accounts] tables)."""
    if name == "paper":
        fake: Any = PaperSide()
    else:
        module, cls = FAKES[name]
        fake = getattr(importlib.import_module(module), cls)()
    await fake.start()
    server = Served(fake, workdir, symbol or {}, account or {})
    try:
        await server.start()
        yield server
    finally:
        await server.kill()
        await fake.stop()
