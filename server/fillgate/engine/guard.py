"""The guard every new order (and every growing or re-priced replace) passes.

Reduce-only first, then the halt guard (trading state), then the risk checks.
It reads state and raises; it never changes anything.
"""

from __future__ import annotations

from decimal import Decimal

from fillgate.contingent.spec import LIST
from fillgate.domain.enums import Side
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import ZERO, exact_add, fmt
from fillgate.engine.fold import OrderStore, State
from fillgate.risk.checks import RiskChecks
from fillgate.risk.trading_state import describe_position, reduces_exposure


def guard(
    state: State,
    risk: RiskChecks | None,
    *,
    account: str,
    symbol: str,
    strategy: str,
    side: Side,
    quantity: Decimal,
    reduce_only: bool,
    limit_price: Decimal | None = None,
    stop_price: Decimal | None = None,
    bypass_halt: bool = False,
    exclude: str = "",
    list_id: str = "",
) -> None:
    """Apply reduce-only, the halt guard, then the risk checks to ``quantity`` more.

    Exposure is computed only when a restriction or reduce-only asks for it.
    ``exclude`` leaves an order being replaced out of the open quantity, and
    ``list_id`` the other members of the same order list: a bracket's stop and
    take-profits each cover the position, only one of them can close it, and
    the fill-time check (or the venue's own reduce-only) keeps the rest from
    flipping it.
    Flattening orders (``bypass_halt``) pass the halt, not the risk sanity checks.
    """
    restriction = None if bypass_halt else state.trading.strictest(account, symbol, strategy)
    if restriction is not None or reduce_only:
        position = state.book.quantity(account, symbol)
        pending = open_quantity(state.orders, account, symbol, side, exclude, list_id)
        reduces = reduces_exposure(position, side, quantity, pending)
        if reduce_only and not reduces:
            raise FailedPrecondition(
                "REDUCE_ONLY_WOULD_INCREASE",
                f"reduce-only {side.name} {fmt(quantity)} {symbol} would not reduce "
                f"the position ({describe_position(position)}, counting open orders)",
                {"account": account, "symbol": symbol, "position": fmt(position)},
            )
        if restriction is not None:
            state.trading.check_new_order(
                account=account, symbol=symbol, strategy=strategy, reduces=reduces
            )
    if risk is not None:
        risk.check(
            account=account,
            symbol=symbol,
            strategy=strategy,
            side=side,
            quantity=quantity,
            limit_price=limit_price,
            stop_price=stop_price,
            flatten=bypass_halt,
            replacing=state.orders.orders[exclude] if exclude else None,
        )


def open_quantity(
    store: OrderStore, account: str, symbol: str, side: Side, exclude: str = "", list_id: str = ""
) -> Decimal:
    """The leaves quantity of the open orders on one side (but ``exclude`` and ``list_id``'s)."""
    total = ZERO
    sibling = (LIST, list_id)
    for order_id in store.open.get((account, symbol), ()):
        order = store.orders[order_id]
        if order.side is side and order_id != exclude:
            if list_id and sibling in order.tags:
                continue
            total = exact_add(total, order.leaves_quantity)
    return total
