"""The running exposure aggregates: what moves them, and rebuilding them from scratch."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.domain.enums import OrderType, Side


def exposure(h, account: str = "acct-a"):
    return h.engine.risk.exposure.accounts[account]


async def test_mark_change_revalues_every_account_engaged_in_the_symbol(harness):
    await harness.build_position(3, account="acct-a", symbol="ABC")
    await harness.build_position(-2, account="acct-b", symbol="ABC")

    harness.price(60, symbol="ABC")

    assert (exposure(harness, "acct-a").gross, exposure(harness, "acct-b").gross) == (180, 120)
    assert harness.engine.risk.exposure.total_gross == 300


async def test_working_orders_count_on_their_worse_side(harness):
    await harness.build_position(10)
    await harness.submit(type=OrderType.LIMIT, limit_price="90", quantity=5)
    await harness.submit(side=Side.SELL, type=OrderType.LIMIT, limit_price="110", quantity=30)

    assert exposure(harness).gross == 2000  # |10 - 30| = 20 > |10 + 5| = 15


async def test_account_disengages_when_flat_with_no_working_orders(harness):
    order = (await harness.submit(type=OrderType.LIMIT, limit_price="90")).order
    assert exposure(harness).engaged == 1

    await harness.cancel(order.order_id)

    assert (exposure(harness).engaged, exposure(harness).gross) == (0, 0)


async def test_margin_is_gross_times_the_margin_rate(make_harness):
    h = await make_harness(risk={"symbols": {"ABC": {"margin_rate": "0.2"}}})
    await h.build_position(10)
    await h.build_position(10, symbol="ABC")

    assert (exposure(h).gross, exposure(h).margin) == (1500, D("1100.0"))


async def test_rebuild_from_book_and_open_orders_matches_running_totals(make_harness):
    harness = await make_harness(risk={"one_pending_entry_per_side": True})
    await harness.build_position(10)
    await harness.build_position(-4, account="acct-b", symbol="ABC")
    await harness.submit(type=OrderType.LIMIT, limit_price="90", quantity=5)
    harness.price(120)
    risk = harness.engine.risk
    before = [(a.gross, a.margin, a.engaged) for a in risk.exposure.accounts.values()]

    risk.rebuild(harness.engine.open_orders())

    after = [(a.gross, a.margin, a.engaged) for a in risk.exposure.accounts.values()]
    assert after == before
    assert risk.exposure.slot("acct-a", "XYZ").entries[Side.BUY] == 1
