"""Average-cost P&L: open, add, partial close, flip, realized vs unrealized, snapshots."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.book.positions import Position, PositionBook, apply_fill
from fillgate.domain.enums import Side


def fill(pos: Position, side: Side, qty: str, px: str, fee: str = "0") -> Position:
    return apply_fill(pos, side, D(qty), D(px), D(fee), 1)


def flat() -> Position:
    return Position(account="a", symbol="S")


def test_apply_fill_open_long_sets_quantity_and_cost():
    p = fill(flat(), Side.BUY, "2", "100")
    assert (p.quantity, p.cost, p.average_price, p.realized_pnl) == (2, 200, 100, 0)


def test_apply_fill_open_short_has_negative_quantity_and_cost():
    p = fill(flat(), Side.SELL, "2", "100")
    assert (p.quantity, p.cost, p.average_price) == (-2, -200, 100)


def test_apply_fill_add_to_long_averages_entry_price():
    p = fill(fill(flat(), Side.BUY, "1", "100"), Side.BUY, "3", "104")
    assert (p.quantity, p.cost, p.average_price) == (4, 412, 103)


def test_apply_fill_partial_close_long_realizes_against_average():
    p = fill(fill(flat(), Side.BUY, "4", "100"), Side.SELL, "1", "110")
    assert (p.quantity, p.cost, p.realized_pnl, p.average_price) == (3, 300, 10, 100)


def test_apply_fill_partial_close_short_realizes_profit_when_price_fell():
    p = fill(fill(flat(), Side.SELL, "4", "100"), Side.BUY, "1", "90")
    assert (p.quantity, p.cost, p.realized_pnl) == (-3, -300, 10)


def test_apply_fill_full_close_after_repeating_average_realizes_exactly():
    p = fill(fill(flat(), Side.BUY, "1", "100"), Side.BUY, "2", "101")  # average 100.666...
    p = fill(p, Side.SELL, "1", "110")
    p = fill(p, Side.SELL, "2", "105")
    assert p.quantity == 0
    assert p.cost == 0
    assert p.realized_pnl == D(18)  # proceeds 320 - cost 302, exactly


def test_apply_fill_flip_long_to_short_realizes_closed_part_and_reopens_at_fill():
    p = fill(fill(flat(), Side.BUY, "2", "100"), Side.SELL, "5", "120")
    assert p.realized_pnl == 40
    assert (p.quantity, p.cost, p.average_price) == (-3, -360, 120)


def test_apply_fill_flip_short_to_long_realizes_loss_and_reopens_at_fill():
    p = fill(fill(flat(), Side.SELL, "1", "100"), Side.BUY, "3", "110")
    assert p.realized_pnl == -10
    assert (p.quantity, p.cost) == (2, 220)


def test_position_unrealized_pnl_is_market_value_minus_cost():
    p = fill(flat(), Side.BUY, "2", "100")
    marked = Position(**{**{s: getattr(p, s) for s in p.__slots__}, "mark": D("107.5")})
    assert marked.market_value == 215
    assert marked.unrealized_pnl == 15


def test_position_short_unrealized_pnl_gains_when_mark_falls():
    p = fill(flat(), Side.SELL, "2", "100")
    marked = Position(**{**{s: getattr(p, s) for s in p.__slots__}, "mark": D(90)})
    assert marked.unrealized_pnl == 20


def test_apply_fill_fees_accumulate_separately_from_realized():
    p = fill(fill(flat(), Side.BUY, "1", "100", fee="0.1"), Side.SELL, "1", "100", fee="0.1")
    assert (p.realized_pnl, p.fees) == (0, D("0.2"))


def test_apply_fill_product_longer_than_default_context_stays_exact():
    # 34 significant digits: Decimal's default 28-digit context would round this.
    p = fill(flat(), Side.BUY, "123456789012345.123456", "98765.43219876")
    exact = D(f"{123456789012345123456 * 9876543219876}E-14")  # string construction is exact
    assert p.cost == exact
    assert len(p.cost.as_tuple().digits) > 28


def test_book_on_fill_publishes_new_snapshot_and_keeps_old_one_intact():
    book = PositionBook({"a": D(1000)}, {"S": D(100)})
    before = book.snapshot("a")
    after = book.on_fill("a", "S", Side.BUY, D(2), D(100), D(1), 7)
    assert before.positions == {} and before.cash == 1000
    assert after is book.snapshot("a") and after is not before
    assert after.cash == 1000 - 200 - 1
    assert after.positions["S"].quantity == 2


def test_book_on_mark_revalues_holders_and_totals():
    book = PositionBook({"a": D(1000), "b": D(1000)}, {"S": D(100)})
    book.on_fill("a", "S", Side.BUY, D(2), D(100), D(0), 1)
    changed = book.on_mark("S", D(110), 2)
    assert [s.account for s in changed] == ["a"]
    snap = book.snapshot("a")
    assert (snap.unrealized_pnl, snap.equity, snap.gross_exposure) == (20, 1020, 220)
    assert book.snapshot("b").equity == 1000


def test_book_totals_sum_realized_unrealized_and_count_open_positions():
    book = PositionBook({"a": D(0)}, {"S": D(10), "T": D(20)})
    book.on_fill("a", "S", Side.BUY, D(1), D(10), D(0), 1)
    book.on_fill("a", "S", Side.SELL, D(1), D(12), D(0), 1)
    book.on_fill("a", "T", Side.SELL, D(2), D(20), D(0), 1)
    book.on_mark("T", D(19), 2)
    snap = book.snapshot("a")
    assert (snap.realized_pnl, snap.unrealized_pnl, snap.open_positions) == (2, 2, 1)
    assert (snap.net_exposure, snap.gross_exposure) == (-38, 38)
