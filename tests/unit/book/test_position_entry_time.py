"""A position's entry time (issue 12): first fill from flat, kept while it grows or shrinks."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.book.positions import Position, apply_fill
from fillgate.domain.enums import Side

BUY, SELL = Side.BUY, Side.SELL


def test_position_entry_time_kept_while_adding_and_reducing() -> None:
    p = apply_fill(Position(account="a", symbol="X"), BUY, D(2), D(100), D(0), 10)
    p = apply_fill(p, BUY, D(1), D(101), D(0), 20)
    p = apply_fill(p, SELL, D(2), D(102), D(0), 30)

    assert (p.quantity, p.opened_ns) == (D(1), 10)


def test_position_entry_time_flip_restarts_flat_clears() -> None:
    p = apply_fill(Position(account="a", symbol="X"), BUY, D(1), D(100), D(0), 10)
    flipped = apply_fill(p, SELL, D(3), D(99), D(0), 20)
    flat = apply_fill(flipped, BUY, D(2), D(98), D(0), 30)

    assert (flipped.quantity, flipped.opened_ns) == (D(-2), 20)
    assert (flat.quantity, flat.opened_ns) == (D(0), 0)
