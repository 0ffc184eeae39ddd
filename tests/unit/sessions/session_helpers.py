"""An engine with trading sessions at a chosen New York time, optionally journaled.

Symbol XYZ trades on XNYS (extended hours on), ABC on the FX week, unless a
test passes its own ``[sessions]``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fillgate.app import Components, build
from fillgate.config import config_from_dict
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.domain.values import ManualClock
from fillgate.engine.recovery import rebuild
from fillgate.journal.journal import Journal

NY = ZoneInfo("America/New_York")
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET
DAY, GTC = TimeInForce.DAY, TimeInForce.GTC
ACCOUNT, SYMBOL, OTHER_SYMBOL = "acct-a", "XYZ", "ABC"
SESSIONS: dict[str, Any] = {
    "symbols": {
        SYMBOL: {"calendar": "XNYS", "extended_hours": True},
        OTHER_SYMBOL: {"calendar": "FX"},
    }
}
QUEUE: dict[str, Any] = {"symbols": {SYMBOL: {"calendar": "XNYS", "closed_policy": "queue"}}}


def et(text: str) -> int:
    """New York local time as UTC ns."""
    return int(datetime.fromisoformat(text).replace(tzinfo=NY).timestamp()) * 1_000_000_000


class Harness:
    """The engine and paper venue of one configuration, and a submit with defaults."""

    def __init__(self, parts: Components, clock: ManualClock, journal: Journal | None) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.paper = parts.paper
        self.clock = clock
        self.journal = journal
        self._count = 0

    @classmethod
    async def start(
        cls,
        when: str | int,
        sessions: dict[str, Any] | None = None,
        journal: Path | None = None,
        risk: dict[str, Any] | None = None,
    ) -> Harness:
        raw: dict[str, Any] = {
            "accounts": {ACCOUNT: {}},
            "symbols": {
                SYMBOL: {"reference_price": "100", "quantity_precision": 4},
                OTHER_SYMBOL: {"reference_price": "50", "quantity_precision": 0},
            },
            "sessions": SESSIONS if sessions is None else sessions,
            **({"risk": risk} if risk is not None else {}),
        }
        clock = ManualClock(et(when) if isinstance(when, str) else when)
        log = None if journal is None else Journal(journal)
        parts = build(config_from_dict(raw), clock=clock, journal=log)
        if log is not None:
            rebuild(parts.engine, log, snapshots=False)
            log.start()
        await parts.engine.start()
        return cls(parts, clock, log)

    async def stop(self) -> None:
        await self.engine.stop()
        if self.journal is not None:
            await self.journal.close()

    def advance_to(self, when: str) -> None:
        self.clock.advance(et(when) - self.clock.now_ns())

    async def submit_order(self, **overrides: Any) -> Order:
        """Submit a GTC market buy of 1 XYZ unless overridden."""
        self._count += 1
        fields: dict[str, Any] = {
            "account": ACCOUNT,
            "symbol": SYMBOL,
            "side": Side.BUY,
            "quantity": D(1),
            "type": MARKET,
            "time_in_force": GTC,
            "client_order_id": f"c-{self._count}",
            **overrides,
        }
        for key in ("quantity", "limit_price"):
            if key in fields:
                fields[key] = D(str(fields[key]))
        return (await self.engine.submit(SubmitOrder(**fields))).order

    def order(self, order_id: str) -> Order:
        found = self.engine.order(order_id)
        assert found is not None
        return found

    def order_count(self) -> int:
        return len(list(self.engine.orders()))

    def reports(self, order_id: str) -> list[ExecutionReport]:
        return [
            e.payload
            for e in self.engine.bus.retained_events()
            if isinstance(e.payload, ExecutionReport) and e.payload.order.order_id == order_id
        ]


#: The ``at`` fixture (conftest.py): ``await at(when, sessions=, journal=, risk=)``.
Make = Callable[..., Awaitable[Harness]]
