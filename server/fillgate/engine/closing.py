"""At the close: cancel working orders and flatten intraday accounts, before each session ends.

Per symbol with ``cancel_at_close_s``: its working orders (not the queued
ones, which wait for the next open) are canceled that many seconds before the
regular close. Per account with ``flatten_at_close``: its position in every
symbol that has a close is closed with market IOC orders
``flatten_before_close_s`` before it, while the market still trades. The close
is the calendar's (or the venue's adopted) actual close, half days included.

One timer on the injected clock serves every action; each action runs once
per session close, and :meth:`CloseActions.run_due` is what the timer calls
(tests call it after moving a manual clock).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from fillgate.domain.commands import CancelOrder, OrderRef, SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.errors import FailedPrecondition, ResourceExhausted
from fillgate.engine.engine import Engine
from fillgate.sessions.market import Sessions

log = logging.getLogger("fillgate.sessions")

CLOSE_STRATEGY = "fillgate-close"
_NS = 1_000_000_000

#: (kind, account, symbol): kind "cancel" (account "") or "flatten".
Action = tuple[str, str, str]


class CloseActions:
    """The end-of-session cancels and flattens, on one timer."""

    def __init__(
        self,
        engine: Engine,
        sessions: Sessions,
        cancel_lead_s: Mapping[str, int],
        flatten_lead_s: Mapping[str, int],
    ) -> None:
        """``cancel_lead_s``: symbol -> seconds; ``flatten_lead_s``: account -> seconds."""
        self._engine = engine
        self._sessions = sessions
        self._lead: dict[Action, int] = {
            ("cancel", "", symbol): lead for symbol, lead in cancel_lead_s.items()
        }
        for account, lead in flatten_lead_s.items():
            for symbol in engine.universe.symbols:
                self._lead[("flatten", account, symbol)] = lead
        self._done: dict[Action, int] = {}  # action -> the close it last ran for
        self._timer: asyncio.TimerHandle | None = None
        self._running: asyncio.Task[int] | None = None

    def _due(self, action: Action, now_ns: int) -> tuple[int, int] | None:
        """(when to act, the close it is for), or None for a symbol that never closes."""
        symbol = action[2]
        close = self._sessions.status(symbol, now_ns).next_close_ns
        if close is None:
            return None
        if self._done.get(action) == close:  # done for this close: the next session's
            close = self._sessions.status(symbol, close).next_close_ns
            if close is None:
                return None
        return close - self._lead[action] * _NS, close

    def start(self) -> None:
        self._arm()

    def _arm(self) -> None:
        now = self._engine.clock.now_ns()
        dues = [d[0] for a in self._lead if (d := self._due(a, now)) is not None]
        if not dues:
            return
        delay = max(0.0, (min(dues) - now) / 1e9)
        self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._running = asyncio.ensure_future(self._run_and_rearm())

    async def _run_and_rearm(self) -> int:
        try:
            return await self.run_due()
        finally:
            self._arm()

    async def run_due(self) -> int:
        """Run every action whose time has come; return how many orders they sent or canceled."""
        now = self._engine.clock.now_ns()
        count = 0
        for action in sorted(self._lead):  # "cancel" sorts before "flatten"
            due = self._due(action, now)
            if due is None or due[0] > now:
                continue
            self._done[action] = due[1]
            kind, account, symbol = action
            count += await (
                self._cancel(symbol) if kind == "cancel" else self._flatten(account, symbol)
            )
        return count

    async def _cancel(self, symbol: str) -> int:
        engine = self._engine
        canceled = 0
        for order in engine.working_orders():
            if order.symbol != symbol:
                continue
            try:
                await engine.cancel(CancelOrder(ref=OrderRef(order_id=order.order_id)))
                canceled += 1
            except FailedPrecondition as exc:  # filled or replaced meanwhile
                log.warning(
                    "event=close_cancel_skipped order_id=%s reason=%s", order.order_id, exc.reason
                )
        log.info("event=canceled_at_close symbol=%s orders=%d", symbol, canceled)
        return canceled

    async def _flatten(self, account: str, symbol: str) -> int:
        engine = self._engine
        position = engine.book.quantity(account, symbol)
        if not position:
            return 0
        flatten = SubmitOrder(
            account=account,
            symbol=symbol,
            side=Side.SELL if position > 0 else Side.BUY,
            quantity=abs(position),
            type=OrderType.MARKET,
            time_in_force=TimeInForce.IOC,
            client_order_id=engine.ids.venue_id("close"),
            strategy_id=CLOSE_STRATEGY,
            reduce_only=True,
        )
        try:
            result = await engine.submit(flatten)
        except (FailedPrecondition, ResourceExhausted) as exc:
            log.error(
                "event=flatten_at_close_denied account=%s symbol=%s reason=%s detail=%r",
                account,
                symbol,
                exc.reason,
                exc.message,
            )
            return 0
        log.info(
            "event=flattened_at_close account=%s symbol=%s order_id=%s state=%s",
            account,
            symbol,
            result.order.order_id,
            result.order.state.name,
        )
        return 1

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running is not None and not self._running.done():
            await self._running
