"""Brackets survive a restart: the journal holds every member, and the plan re-arms."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.values import ManualClock
from fillgate.engine.recovery import rebuild
from fillgate.journal.journal import FsyncPolicy, Journal

CONFIG = {
    "accounts": {"acct-a": {}},
    "symbols": {"XYZ": {"reference_price": "100", "price_precision": 2, "quantity_precision": 4}},
}
SPEC = BracketSpec(
    Exit(ExitKind.OFFSET, D(5)), (TakeProfit(Exit(ExitKind.OFFSET, D(5)), fraction=D(1)),)
)
ENTRY = SubmitOrder(
    account="acct-a",
    symbol="XYZ",
    side=Side.BUY,
    quantity=D(2),
    type=OrderType.MARKET,
    time_in_force=TimeInForce.GTC,
    client_order_id="entry-1",
)


async def _start(path: Path, *, replay: bool) -> tuple[Any, Journal]:
    journal = Journal(path, FsyncPolicy.NEVER)
    # A restart is a later run: a later clock, so new order ids do not repeat the last run's.
    clock = ManualClock(1_800_000_000_000_000_000) if replay else ManualClock()
    parts = build(config_from_dict(CONFIG), clock=clock, journal=journal)
    if replay:
        rebuild(parts.engine, journal)
    else:
        list(journal.open())
    journal.start()
    await parts.engine.start()
    return parts, journal


async def _stop(parts: Any, journal: Journal) -> None:
    await parts.engine.stop()
    await journal.close()


def _roles(parts: Any, list_id: str) -> dict[str, Any]:
    return {role_of(m)[1]: m for m in parts.brackets.get(list_id).members}


async def test_bracket_after_restart_keeps_its_members_working(tmp_path: Path):
    parts, journal = await _start(tmp_path / "j", replay=False)
    list_id = (await parts.brackets.submit(ENTRY, SPEC)).list_id
    await _stop(parts, journal)

    parts, journal = await _start(tmp_path / "j", replay=True)
    await parts.brackets.settle()
    try:
        roles = _roles(parts, list_id)
        assert sorted(roles) == ["sl", "tp.1"]
        assert all(m.state is OrderState.NEW for m in roles.values())
        assert len(parts.brackets.get(list_id).members) == 2  # nothing placed twice
    finally:
        await _stop(parts, journal)


async def test_bracket_after_restart_still_protects_the_position(tmp_path: Path):
    parts, journal = await _start(tmp_path / "j", replay=False)
    list_id = (await parts.brackets.submit(ENTRY, SPEC)).list_id
    await _stop(parts, journal)

    parts, journal = await _start(tmp_path / "j", replay=True)
    try:
        parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=D(94)))
        await parts.brackets.settle()
        roles = _roles(parts, list_id)
        assert roles["sl"].state is OrderState.FILLED
        assert roles["tp.1"].state is OrderState.CANCELED
        assert parts.engine.book.quantity("acct-a", "XYZ") == 0
    finally:
        await _stop(parts, journal)


async def test_bracket_entry_filled_before_a_crash_is_armed_at_restart(tmp_path: Path):
    parts, journal = await _start(tmp_path / "j", replay=False)
    parts.engine.watchers.remove(parts.brackets)  # the crash: entry filled, no member placed yet
    tagged = SubmitOrder(
        **{
            **{f: getattr(ENTRY, f) for f in SubmitOrder.__dataclass_fields__},
            "tags": SPEC.tags(),
        }
    )
    list_id = (await parts.engine.submit(tagged)).order.order_id
    await _stop(parts, journal)

    parts, journal = await _start(tmp_path / "j", replay=True)
    await parts.brackets.settle()
    try:
        roles = _roles(parts, list_id)
        assert roles["sl"].stop_price == D(95)
        assert roles["sl"].quantity == D(2)
        assert roles["tp.1"].limit_price == D(105)
    finally:
        await _stop(parts, journal)


async def test_oco_first_leg_placed_before_a_crash_gets_its_other_leg_at_restart(tmp_path: Path):
    from fillgate.contingent.order_list import Leg, list_tags

    parts, journal = await _start(tmp_path / "j", replay=False)
    parts.engine.watchers.remove(parts.brackets)  # the crash: leg 2 never placed
    second = Leg(Side.SELL, OrderType.STOP, D(2), TimeInForce.GTC, None, D(90))
    first = SubmitOrder(
        account="acct-a",
        symbol="XYZ",
        side=Side.SELL,
        quantity=D(2),
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        client_order_id="leg-1",
        limit_price=D(110),
        tags=list_tags("oco", [second]),
    )
    list_id = (await parts.engine.submit(first)).order.order_id
    await _stop(parts, journal)

    parts, journal = await _start(tmp_path / "j", replay=True)
    await parts.brackets.settle()
    try:
        (leg,) = parts.brackets.get(list_id).members
        assert (leg.type, leg.stop_price, leg.state) == (OrderType.STOP, D(90), OrderState.NEW)
    finally:
        await _stop(parts, journal)


HELD_TRAIL = BracketSpec(
    Exit(ExitKind.TRAIL, D(5)),
    (
        TakeProfit(Exit(ExitKind.OFFSET, D(20)), fraction=D("0.5")),
        TakeProfit(Exit(ExitKind.OFFSET, D(30)), fraction=D("0.5")),
    ),
)


async def _spot(path: Path, *, replay: bool) -> tuple[Any, Journal]:
    """A run whose venue holds the balance of each resting sell: the stop is held."""
    parts, journal = await _start(path, replay=replay)
    parts.engine.venues["acct-a"].sells_hold_balance = True
    return parts, journal


async def test_held_trailing_stop_after_restart_resumes_from_where_it_moved(tmp_path: Path):
    parts, journal = await _spot(tmp_path / "j", replay=False)
    list_id = (await parts.brackets.submit(ENTRY, HELD_TRAIL)).list_id
    parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=D(108)))
    await parts.brackets.settle()
    assert parts.brackets.get(list_id).held_stop_price == D(103)
    await _stop(parts, journal)

    parts, journal = await _spot(tmp_path / "j", replay=True)
    try:
        parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=D(102)))
        await parts.brackets.settle()
        assert _roles(parts, list_id)["sl"].state is OrderState.FILLED  # at 103, not at 95
        assert parts.engine.book.quantity("acct-a", "XYZ") == 0
    finally:
        await _stop(parts, journal)
