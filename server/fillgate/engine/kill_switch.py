"""Halt and Resume: restrict a scope, cancel its open orders, flatten its positions."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from decimal import Decimal

from fillgate.domain import events as ev
from fillgate.domain.commands import CancelOrder, Halt, OrderRef, Resume, SubmitOrder
from fillgate.domain.enums import HaltScope, OrderState, OrderType, Side, TimeInForce, TradingMode
from fillgate.domain.errors import FailedPrecondition, NotFound, ResourceExhausted, Violations
from fillgate.domain.orders import Order
from fillgate.domain.values import ZERO, exact_add
from fillgate.engine.engine import Engine
from fillgate.risk.trading_state import Restriction, reduces_exposure

log = logging.getLogger("fillgate.kill_switch")

FLATTEN_STRATEGY = "fillgate-flatten"


@dataclass(frozen=True, slots=True)
class HaltResult:
    restriction: Restriction
    canceled: list[Order]
    flattened: list[Order]


class KillSwitch:
    """The operator's controls over trading state; acts through the engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tasks: set[asyncio.Task[HaltResult]] = set()  # trips in progress

    def _check_scope(self, v: Violations, scope: HaltScope, target: str) -> None:
        universe = self._engine.universe
        if scope is HaltScope.ALL:
            if target:
                v.add("target", "must be empty for HALT_SCOPE_ALL")
        elif not target:
            v.add("target", f"is required for HALT_SCOPE_{scope.name}")
        elif scope is HaltScope.ACCOUNT and target not in universe.accounts:
            v.add("target", f"unknown account {target!r}")
        elif scope is HaltScope.SYMBOL and target not in universe.symbols:
            v.add("target", f"unknown symbol {target!r}")

    async def halt(self, cmd: Halt) -> HaltResult:
        """Set the restriction first, so nothing new slips in while orders are canceled."""
        return await self._act(cmd, self._restrict(cmd))

    def trip(self, cmd: Halt) -> None:
        """Act on a circuit breaker from inside the order path.

        The restriction is set at once, so no order after the trip slips
        through; canceling and flattening await venues, so they run as a task
        (kept referenced until done). A trip never loosens a stricter
        restriction already set on the same scope.
        """
        existing = self._engine.trading.get(cmd.scope, cmd.target)
        if existing is not None and existing.mode >= cmd.mode:
            restriction = existing
        else:
            restriction = self._restrict(cmd)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.error("event=trip_without_loop scope=%s target=%s", cmd.scope.name, cmd.target)
            return
        task = loop.create_task(self._act(cmd, restriction))
        self._tasks.add(task)
        task.add_done_callback(self._trip_done)

    def _trip_done(self, task: asyncio.Task[HaltResult]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("event=trip_failed error=%r", task.exception())

    async def settle(self) -> None:
        """Wait for the trips in progress (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _restrict(self, cmd: Halt) -> Restriction:
        """Validate a halt and emit its restriction; nothing awaits."""
        v = Violations()
        self._check_scope(v, cmd.scope, cmd.target)
        if cmd.mode is TradingMode.ACTIVE:
            v.add("mode", "use Resume to return a scope to ACTIVE")
        if not cmd.reason.strip():
            v.add("reason", "is required: say why trading stops")
        if cmd.flatten_positions and cmd.scope is HaltScope.STRATEGY:
            v.add("flatten_positions", "positions are kept per account and symbol, not strategy")
        v.raise_if_any()
        self._announce(cmd.scope, cmd.target, cmd.mode, cmd.reason, cmd.requested_by)
        restriction = self._engine.trading.get(cmd.scope, cmd.target)
        assert restriction is not None
        return restriction

    async def _act(self, cmd: Halt, restriction: Restriction) -> HaltResult:
        """Cancel and flatten as the halt asks, then report."""
        engine = self._engine
        canceled = await self._cancel_open(cmd) if cmd.cancel_open_orders else []
        flattened = await self._flatten(cmd) if cmd.flatten_positions else []
        log.warning(
            "event=halt scope=%s target=%s mode=%s requested_by=%s reason=%r canceled=%d "
            "flatten_orders=%d",
            cmd.scope.name,
            cmd.target,
            cmd.mode.name,
            cmd.requested_by,
            cmd.reason,
            len(canceled),
            len(flattened),
        )
        await engine.durable()
        return HaltResult(restriction, canceled, flattened)

    def resume(self, cmd: Resume) -> list[Restriction]:
        v = Violations()
        self._check_scope(v, cmd.scope, cmd.target)
        v.raise_if_any()
        engine = self._engine
        if engine.trading.get(cmd.scope, cmd.target) is None:
            raise NotFound(
                "RESTRICTION_NOT_FOUND",
                f"no restriction on {cmd.scope.name.lower()} {cmd.target or '(all)'}",
                {"scope": cmd.scope.name, "target": cmd.target},
            )
        self._announce(cmd.scope, cmd.target, TradingMode.ACTIVE, cmd.reason, cmd.requested_by)
        if engine.risk is not None:
            engine.risk.breakers.rearm(cmd.scope, cmd.target)
        log.warning(
            "event=resume scope=%s target=%s requested_by=%s reason=%r",
            cmd.scope.name,
            cmd.target,
            cmd.requested_by,
            cmd.reason,
        )
        return engine.trading.restrictions()

    def _announce(
        self, scope: HaltScope, target: str, mode: TradingMode, reason: str, who: str
    ) -> None:
        """Emit the change: the engine's fold sets or clears the restriction."""
        self._engine.emit(
            ev.TradingStateChanged(
                scope=scope,
                target=target,
                mode=mode,
                reason=reason,
                requested_by=who,
                ts_ns=self._engine.clock.now_ns(),
            )
        )

    @staticmethod
    def _in_scope(scope: HaltScope, target: str, account: str, symbol: str, strategy: str) -> bool:
        if scope is HaltScope.ALL:
            return True
        return (
            target
            == {HaltScope.ACCOUNT: account, HaltScope.SYMBOL: symbol, HaltScope.STRATEGY: strategy}[
                scope
            ]
        )

    def _reducing(self) -> set[str]:
        """Ids of the open orders that can only reduce exposure.

        A reduce-only order on the closing side always counts (the venue, or
        the paper venue's fill-time check, keeps it from flipping); other
        closing-side orders count while together they stay within the position.
        """
        engine = self._engine
        keep: set[str] = set()
        used: dict[tuple[str, str], Decimal] = {}
        for order in engine.open_orders():
            position = engine.book.quantity(order.account, order.symbol)
            if not reduces_exposure(position, order.side, ZERO, ZERO):
                continue
            if order.reduce_only:
                keep.add(order.order_id)
                continue
            key = (order.account, order.symbol)
            total = exact_add(used.get(key, ZERO), order.leaves_quantity)
            if total <= abs(position):
                used[key] = total
                keep.add(order.order_id)
        return keep

    async def _cancel_open(self, cmd: Halt) -> list[Order]:
        """Cancel the open orders in scope; under REDUCING, keep those that reduce exposure."""
        canceled = []
        keep = self._reducing() if cmd.mode is TradingMode.REDUCING else set()
        for order in self._engine.open_orders():
            if order.order_id in keep or not self._in_scope(
                cmd.scope, cmd.target, order.account, order.symbol, order.strategy_id
            ):
                continue
            try:
                canceled.append(
                    await self._engine.cancel(
                        CancelOrder(ref=OrderRef(order_id=order.order_id), by=cmd.requested_by)
                    )
                )
            except FailedPrecondition as exc:  # filled or replaced meanwhile: report and go on
                log.warning(
                    "event=halt_cancel_skipped order_id=%s reason=%s", order.order_id, exc.reason
                )
        return canceled

    async def _flatten(self, cmd: Halt) -> list[Order]:
        """Close every position in scope with IOC market orders that bypass the halt.

        They still meet the risk sanity checks, so a position larger than one
        order may be is closed in several (``RiskChecks.flatten_chunks``); a
        denied part is journaled like any denial, logged, and ends that symbol.
        """
        engine = self._engine
        orders = []
        for snap in engine.book.snapshots():
            for symbol, pos in snap.positions.items():
                if not pos.quantity or not self._in_scope(
                    cmd.scope, cmd.target, snap.account, symbol, ""
                ):
                    continue
                side = Side.SELL if pos.quantity > 0 else Side.BUY
                total = abs(pos.quantity)
                parts = (
                    [total]
                    if engine.risk is None
                    else engine.risk.flatten_chunks(snap.account, symbol, FLATTEN_STRATEGY, total)
                )
                for quantity in parts:
                    flatten = SubmitOrder(
                        account=snap.account,
                        symbol=symbol,
                        side=side,
                        quantity=quantity,
                        type=OrderType.MARKET,
                        time_in_force=TimeInForce.IOC,
                        client_order_id=engine.ids.venue_id("flatten"),
                        strategy_id=FLATTEN_STRATEGY,
                        tags=(("halt_reason", cmd.reason[:256]),),
                        reduce_only=False,
                        by=cmd.requested_by,
                    )
                    try:
                        result = await engine.submit(flatten, bypass_halt=True)
                    except (FailedPrecondition, ResourceExhausted) as exc:
                        log.error(
                            "event=flatten_denied account=%s symbol=%s quantity=%s reason=%s "
                            "detail=%r",
                            snap.account,
                            symbol,
                            quantity,
                            exc.reason,
                            exc.message,
                        )
                        break
                    orders.append(result.order)
                    if result.order.state is not OrderState.FILLED:
                        log.warning(
                            "event=flatten_incomplete order_id=%s state=%s",
                            result.order.order_id,
                            result.order.state.name,
                        )
        return orders
