"""A bracket whose arming an account refused while blocked (its venue not reconciled yet,
as right after a restart) is armed once the account reconciles."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.enums import OrderState, OrderType

SPEC = BracketSpec(
    Exit(ExitKind.OFFSET, D(5)), (TakeProfit(Exit(ExitKind.OFFSET, D(5)), fraction=D(1)),)
)


async def _filled_while_blocked(harness) -> str:
    """A limit entry that fills while its account takes no new orders."""
    entry = harness.command(quantity=1, type=OrderType.LIMIT, limit_price=99)
    list_id = (await harness.parts.brackets.submit(entry, SPEC)).list_id
    harness.engine.blocked["acct-a"] = "the first reconciliation with the venue has not completed"
    harness.price(99)
    await harness.parts.brackets.settle()
    assert harness.order(list_id).state is OrderState.FILLED
    return list_id


async def test_bracket_entry_filled_while_blocked_is_armed_once_the_account_reconciles(harness):
    list_id = await _filled_while_blocked(harness)
    assert harness.parts.brackets.get(list_id).members == ()  # refused while blocked

    await harness.parts.reconciler.reconcile("acct-a")
    await harness.parts.brackets.settle()

    members = harness.parts.brackets.get(list_id).members
    assert sorted(role_of(m)[1] for m in members) == ["sl", "tp.1"]
    assert all(m.state is OrderState.NEW and m.quantity == D(1) for m in members)


async def test_bracket_reconcile_of_an_open_account_places_nothing_twice(harness):
    list_id = await _filled_while_blocked(harness)
    await harness.parts.reconciler.reconcile("acct-a")
    await harness.parts.brackets.settle()

    await harness.parts.reconciler.reconcile("acct-a")
    await harness.parts.brackets.settle()

    assert len(harness.parts.brackets.get(list_id).members) == 2
