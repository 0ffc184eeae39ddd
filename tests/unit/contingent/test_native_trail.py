"""Which bracket stops a venue trails itself (``ct.trail``), and that the plan leaves them be."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

from plan_orders import order as _order

from fillgate.contingent.bracket import Submit, Trail, plan
from fillgate.contingent.spec import (
    BASIS,
    LIST,
    ROLE,
    TRAIL,
    BracketSpec,
    Exit,
    ExitKind,
    TakeProfit,
)
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.orders import Order
from fillgate.engine.native_oco import native_tags

ALPACA = SimpleNamespace(native_oco=True, native_trail=frozenset({"trail", "trail_percent"}))
OANDA = SimpleNamespace(native_oco=True, native_trail=frozenset({"trail"}), trail_in_oco=True)
PAPER = SimpleNamespace()
ONE_TP = (TakeProfit(Exit(ExitKind.OFFSET, D(5)), fraction=D(1)),)
AMOUNT = BracketSpec(Exit(ExitKind.TRAIL, D(5)), ONE_TP)
PERCENT = BracketSpec(Exit(ExitKind.TRAIL_PERCENT, D(2)), ONE_TP)
STOP = Submit("sl", Side.SELL, OrderType.STOP, D(2), D(95))
TAKE = Submit("tp.1", Side.SELL, OrderType.LIMIT, D(2), D(105))


def _stop(*extra: tuple[str, str], **kw) -> Order:
    tags = ((LIST, "E"), (ROLE, "sl"), (BASIS, "100"), *extra)
    return _order("S", Side.SELL, "2", "0", type=OrderType.STOP, stop_price=D(95), tags=tags, **kw)


def test_native_tags_alpaca_amount_trail_stop_tagged_trail_not_oco() -> None:
    assert native_tags(ALPACA, AMOUNT, STOP) == ((TRAIL, "trail:5"),)
    assert native_tags(ALPACA, AMOUNT, TAKE) == ()


def test_native_tags_alpaca_percent_trail_stop_tagged_trail_percent() -> None:
    assert native_tags(ALPACA, PERCENT, STOP) == ((TRAIL, "trail_percent:2"),)


def test_native_tags_oanda_amount_trail_one_take_profit_trail_and_oco_pair() -> None:
    assert native_tags(OANDA, AMOUNT, STOP) == ((TRAIL, "trail:5"), ("ct.native", "oco"))
    assert native_tags(OANDA, AMOUNT, TAKE) == (("ct.native", "oco"),)


def test_native_tags_oanda_percent_trail_not_native() -> None:
    assert native_tags(OANDA, PERCENT, STOP) == ()


def test_native_tags_oanda_trail_without_take_profit_alone_on_the_trade() -> None:
    expected = ((TRAIL, "trail:5"), ("ct.native", "trade"))
    assert native_tags(OANDA, BracketSpec(AMOUNT.stop_loss), STOP) == expected


def test_native_tags_oanda_trail_with_a_ladder_not_native() -> None:
    ladder = ONE_TP * 2
    assert native_tags(OANDA, BracketSpec(AMOUNT.stop_loss, ladder), STOP) == ()


def test_native_tags_trail_with_activation_price_not_native() -> None:
    spec = BracketSpec(AMOUNT.stop_loss, ONE_TP, StopTerms(activation=D(101)))
    assert native_tags(ALPACA, spec, STOP) == ()


def test_native_tags_trail_with_stop_limit_not_native() -> None:
    spec = BracketSpec(AMOUNT.stop_loss, ONE_TP, StopTerms(limit_offset=D(1)))
    limit_stop = Submit("sl", Side.SELL, OrderType.STOP_LIMIT, D(2), D(95), D(94))
    assert native_tags(ALPACA, spec, limit_stop) == ()


def test_native_tags_venue_without_native_trail_not_native() -> None:
    assert native_tags(PAPER, AMOUNT, STOP) == ()


def test_native_tags_after_a_rejected_venue_trailed_stop_falls_back_to_plain() -> None:
    refused = _stop((TRAIL, "trail:5"), state=OrderState.REJECTED)
    assert native_tags(ALPACA, AMOUNT, STOP, [refused]) == ()
    assert native_tags(OANDA, AMOUNT, TAKE, [refused]) == ()


def _plan(stop: Order, mark: str) -> list:
    entry = _order("E", Side.BUY, "2", "2", type=OrderType.MARKET)
    spec = BracketSpec(AMOUNT.stop_loss)
    return plan(entry, [stop], spec, price_places=2, quantity_places=0, mark=D(mark))


def test_plan_venue_trailed_stop_mark_rises_no_trail_action() -> None:
    assert _plan(_stop((TRAIL, "trail:5")), "120") == []


def test_plan_fillgate_moved_stop_mark_rises_trails() -> None:
    assert _plan(_stop(), "120") == [Trail("S", D(115))]
