"""The book keeps account totals incrementally; they must equal a full recomputation."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from fillgate.book.positions import PositionBook, _snapshot
from fillgate.domain.enums import Side

ACCOUNTS = ["a", "b"]
SYMBOLS = ["X", "Y", "Z"]
prices = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)
fill = st.tuples(
    st.just("fill"),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(SYMBOLS),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.decimals(min_value=D("0.001"), max_value=D("50"), places=3),
    prices,
    st.decimals(min_value=D(0), max_value=D("2"), places=4),
)
mark = st.tuples(st.just("mark"), st.sampled_from(SYMBOLS), prices)

TOTALS = ("cash", "realized_pnl", "unrealized_pnl", "fees", "market_value", "gross_exposure")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(fill, mark), max_size=40))
def test_book_incremental_totals_equal_full_recomputation(ops):
    book = PositionBook({a: D(1_000_000) for a in ACCOUNTS}, {s: D(100) for s in SYMBOLS})
    for ts, op in enumerate(ops, start=1):
        if op[0] == "fill":
            _, account, symbol, side, quantity, price, fee = op
            book.on_fill(account, symbol, side, quantity, price, fee, ts)
        else:
            book.on_mark(op[1], op[2], ts)
        for snap in book.snapshots():
            full = _snapshot(snap.account, dict(snap.positions), snap.cash, 0, 0)
            assert [getattr(snap, f) for f in TOTALS] == [getattr(full, f) for f in TOTALS]
            assert snap.open_positions == full.open_positions
