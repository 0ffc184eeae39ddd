"""The ``require_stop_loss`` policy (``[contingent]``, per account) on a client's SubmitOrder."""

from __future__ import annotations

from decimal import Decimal

from fillgate.contingent.settings import ContingentConfig
from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.domain import events as ev
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import ZERO
from fillgate.engine.brackets import Brackets
from fillgate.engine.engine import Engine, SubmitResult
from fillgate.risk.trading_state import reduces_exposure

ONE = Decimal(1)


class StopLossPolicy:
    """Submits a client's orders: straight through, or under ``require_stop_loss``."""

    def __init__(self, engine: Engine, brackets: Brackets, config: ContingentConfig) -> None:
        self._engine = engine
        self._brackets = brackets
        self._config = config

    async def submit(self, cmd: SubmitOrder) -> SubmitResult:
        """A client's SubmitOrder under the ``require_stop_loss`` policy (``[contingent]``).

        An order that can only reduce a position passes as it is; one that
        could open or grow it is denied ("deny") or becomes a bracket with the
        default stop-loss and take-profit ("attach").
        """
        policy = self._config.policy_for(cmd.account)
        if policy == "off" or cmd.reduce_only or self._reduces(cmd):
            return await self._engine.submit(cmd)
        if policy == "attach" and cmd.type in (OrderType.MARKET, OrderType.LIMIT):
            known = self._engine.state.orders.by_client.get((cmd.account, cmd.client_order_id))
            placed = await self._brackets.submit(cmd, self._default_spec())
            await self._engine.durable()  # the answer's barrier (see api.errors)
            return SubmitResult(placed.entry, known is not None)
        self._engine.emit(
            ev.OrderDenied(
                command=cmd,
                reason="STOP_LOSS_REQUIRED",
                message="this account requires a stop-loss",
                metadata=(),
                ts_ns=self._engine.clock.now_ns(),
            )
        )
        await self._engine.durable()
        raise FailedPrecondition(
            "STOP_LOSS_REQUIRED",
            "an order that opens or grows a position needs a stop-loss here: use SubmitBracket"
            + (" (attach takes market and limit entries only)" if policy == "attach" else ""),
            {"account": cmd.account, "policy": policy},
        )

    def _reduces(self, cmd: SubmitOrder) -> bool:
        position = self._engine.book.quantity(cmd.account, cmd.symbol)
        return reduces_exposure(position, cmd.side, cmd.quantity, ZERO)

    def _default_spec(self) -> BracketSpec:
        pct = self._config.default_stop_pct
        rr = self._config.take_profit_risk_reward
        rungs = () if rr is None else (TakeProfit(Exit(ExitKind.PERCENT, pct * rr), fraction=ONE),)
        return BracketSpec(Exit(ExitKind.PERCENT, pct), rungs)
