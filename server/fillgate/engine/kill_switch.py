"""Halt and Resume: restrict a scope, cancel its open orders, flatten its positions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fillgate.domain import events as ev
from fillgate.domain.commands import CancelOrder, Halt, OrderRef, Resume, SubmitOrder
from fillgate.domain.enums import HaltScope, OrderState, OrderType, Side, TimeInForce, TradingMode
from fillgate.domain.errors import FailedPrecondition, NotFound, Violations
from fillgate.domain.orders import Order
from fillgate.engine.engine import Engine
from fillgate.risk.trading_state import Restriction

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

    def _check_scope(self, v: Violations, scope: HaltScope, target: str) -> None:
        config = self._engine.config
        if scope is HaltScope.ALL:
            if target:
                v.add("target", "must be empty for HALT_SCOPE_ALL")
        elif not target:
            v.add("target", f"is required for HALT_SCOPE_{scope.name}")
        elif scope is HaltScope.ACCOUNT and target not in config.accounts:
            v.add("target", f"unknown account {target!r}")
        elif scope is HaltScope.SYMBOL and target not in config.symbols:
            v.add("target", f"unknown symbol {target!r}")

    async def halt(self, cmd: Halt) -> HaltResult:
        """Set the restriction first, so nothing new slips in while orders are canceled."""
        v = Violations()
        self._check_scope(v, cmd.scope, cmd.target)
        if cmd.mode is TradingMode.ACTIVE:
            v.add("mode", "use Resume to return a scope to ACTIVE")
        if not cmd.reason.strip():
            v.add("reason", "is required: say why trading stops")
        if cmd.flatten_positions and cmd.scope is HaltScope.STRATEGY:
            v.add("flatten_positions", "positions are kept per account and symbol, not strategy")
        v.raise_if_any()
        engine = self._engine
        restriction = Restriction(
            scope=cmd.scope,
            target=cmd.target,
            mode=cmd.mode,
            reason=cmd.reason,
            requested_by=cmd.requested_by,
            set_ns=engine.clock.now_ns(),
        )
        engine.trading.set(restriction)
        self._announce(cmd.scope, cmd.target, cmd.mode, cmd.reason, cmd.requested_by)
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
        return HaltResult(restriction, canceled, flattened)

    def resume(self, cmd: Resume) -> list[Restriction]:
        v = Violations()
        self._check_scope(v, cmd.scope, cmd.target)
        v.raise_if_any()
        engine = self._engine
        if engine.trading.clear(cmd.scope, cmd.target) is None:
            raise NotFound(
                "RESTRICTION_NOT_FOUND",
                f"no restriction on {cmd.scope.name.lower()} {cmd.target or '(all)'}",
                {"scope": cmd.scope.name, "target": cmd.target},
            )
        self._announce(cmd.scope, cmd.target, TradingMode.ACTIVE, cmd.reason, cmd.requested_by)
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
        change = ev.TradingStateChanged(
            scope=scope,
            target=target,
            mode=mode,
            reason=reason,
            requested_by=who,
            ts_ns=self._engine.clock.now_ns(),
        )
        account = target if scope is HaltScope.ACCOUNT else ""
        symbol = target if scope is HaltScope.SYMBOL else ""
        self._engine.bus.publish(account, symbol, change)

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

    async def _cancel_open(self, cmd: Halt) -> list[Order]:
        canceled = []
        for order in self._engine.open_orders():
            if not self._in_scope(
                cmd.scope, cmd.target, order.account, order.symbol, order.strategy_id
            ):
                continue
            try:
                canceled.append(
                    await self._engine.cancel(CancelOrder(ref=OrderRef(order_id=order.order_id)))
                )
            except FailedPrecondition as exc:  # filled or replaced meanwhile: report and go on
                log.warning(
                    "event=halt_cancel_skipped order_id=%s reason=%s", order.order_id, exc.reason
                )
        return canceled

    async def _flatten(self, cmd: Halt) -> list[Order]:
        engine = self._engine
        orders = []
        for snap in engine.book.snapshots():
            for symbol, pos in snap.positions.items():
                if not pos.quantity or not self._in_scope(
                    cmd.scope, cmd.target, snap.account, symbol, ""
                ):
                    continue
                side = Side.SELL if pos.quantity > 0 else Side.BUY
                flatten = SubmitOrder(
                    account=snap.account,
                    symbol=symbol,
                    side=side,
                    quantity=abs(pos.quantity),
                    type=OrderType.MARKET,
                    time_in_force=TimeInForce.IOC,
                    client_order_id=engine.ids.venue_id("flatten"),
                    strategy_id=FLATTEN_STRATEGY,
                    tags=(("halt_reason", cmd.reason[:256]),),
                    reduce_only=False,
                )
                result = await engine.submit(flatten, bypass_halt=True)
                orders.append(result.order)
                if result.order.state is not OrderState.FILLED:
                    log.warning(
                        "event=flatten_incomplete order_id=%s state=%s",
                        result.order.order_id,
                        result.order.state.name,
                    )
        return orders
