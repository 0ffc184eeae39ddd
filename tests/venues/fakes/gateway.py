"""A gateway on one fake venue account with a journal, that can be stopped and started.

For scenarios across a fillgate restart (native OCO exits at Alpaca and Binance):
``start()`` builds the components from the journal again, as a restart does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fillgate.app.assembly import Components, build, open_journal
from fillgate.config import config_from_dict
from fillgate.contingent.spec import role_of
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.engine.recovery import rebuild

ACCOUNT = "acct"


def buy_entry(
    symbol: str, quantity: Decimal, client_order_id: str, limit: Decimal | None = None
) -> SubmitOrder:
    """A bracket's GTC buy entry on the gateway's account: at market, or a limit at ``limit``."""
    return SubmitOrder(
        account=ACCOUNT,
        symbol=symbol,
        side=Side.BUY,
        quantity=quantity,
        type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        client_order_id=client_order_id,
        limit_price=limit,
    )


async def eventually(predicate: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


class Gateway:
    """An engine on the fake's one account, journaled to ``journal``."""

    def __init__(self, fake: Any, journal: Path) -> None:
        self.fake = fake
        self.journal = journal
        self.parts: Components | None = None

    async def start(self) -> Components:
        config = config_from_dict(
            {
                "accounts": {ACCOUNT: self.fake.account_table()},
                "symbols": {self.fake.symbol: self.fake.symbol_table},
                "journal": {"path": str(self.journal)},
            }
        )
        journal = open_journal(config)
        assert journal is not None
        self.parts = build(config, None, journal)
        rebuild(self.parts.engine, journal, snapshots=False)
        journal.start()
        await self.parts.engine.start()
        await self.parts.reconciler.start()
        return self.parts

    async def stop(self) -> None:
        if self.parts is not None:
            await self.parts.reconciler.stop()
            await self.parts.engine.stop()
            if self.parts.engine.journal is not None:
                await self.parts.engine.journal.close()
            self.parts = None

    def order(self, order_id: str) -> Order:
        assert self.parts is not None
        found = self.parts.engine.order(order_id)
        assert found is not None
        return found

    def member(self, list_id: str, role: str) -> Order | None:
        assert self.parts is not None
        found = self.parts.brackets.get(list_id).members
        return next((m for m in found if role_of(m)[1] == role), None)

    async def until(self, order_id: str, *states: OrderState) -> Order:
        await eventually(lambda: self.order(order_id).state in states)
        return self.order(order_id)


@contextlib.asynccontextmanager
async def running(
    fake: Any, monkeypatch: pytest.MonkeyPatch, journal: Path, kind: type[Gateway] = Gateway
) -> AsyncIterator[Gateway]:
    """``fake`` started with its environment set, and a started ``kind`` of gateway on it,
    journaled to ``journal``; both stopped afterwards (the gateway first)."""
    await fake.start()
    for key, value in fake.environment().items():
        monkeypatch.setenv(key, value)
    gw = kind(fake, journal)
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()
        await fake.stop()
