"""The quote book: marks from quotes, the paper spread, ages (issue 12)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.marketdata.quotes import FEED, QuoteBook


def test_quote_book_reference_quote_has_spread_and_no_age() -> None:
    book = QuoteBook({"XYZ": D(100)}, spread_bps=D(20))

    quote = book.quote("XYZ")

    assert quote is not None
    assert (quote.bid, quote.ask, quote.mark) == (D("99.9"), D("100.1"), D(100))
    assert quote.age_ns(10**20) is None


def test_quote_book_live_quote_mark_is_exact_mid() -> None:
    book = QuoteBook({"XYZ": D(100)})

    quote = book.on_quote(
        "XYZ", bid=D("1.08461"), ask=D("1.08462"), last=None, ts_ns=5, source=FEED
    )

    assert quote.mark == D("1.084615")
    assert quote.age_ns(2_000_000_005) == 2_000_000_000


def test_quote_book_mark_last_configured_uses_last_when_given() -> None:
    book = QuoteBook({"XYZ": D(100)}, mark_source="last")

    with_last = book.on_quote("XYZ", bid=D(99), ask=D(101), last=D("100.5"), ts_ns=1, source=FEED)
    without = book.on_quote("XYZ", bid=D(99), ask=D(103), last=None, ts_ns=2, source=FEED)

    assert (with_last.mark, without.mark) == (D("100.5"), D(101))


def test_quote_book_quote_without_prices_raises() -> None:
    book = QuoteBook({"XYZ": D(100)})

    with pytest.raises(ValueError):
        book.on_quote("XYZ", bid=None, ask=None, last=None, ts_ns=1, source=FEED)


def test_quote_book_reference_after_journaled_mark_forgets_the_mark() -> None:
    book = QuoteBook({"XYZ": D(100)})
    book.on_mark("XYZ", D(105), 7)

    book.on_reference("XYZ", D(101), 8)

    assert book.image() == []
    assert book.quote("XYZ").mark == D(101)  # type: ignore[union-attr]


def test_quote_book_restored_mark_equal_to_reference_keeps_reference_quote_as_replay_does() -> None:
    # A replay applies a journaled mark with on_mark; a snapshot's image must load the same
    # way (found by the snapshot-equivalence property test: a mark equal to the reference
    # price left the reference quote in a replay but a "journal" quote from a snapshot).
    replayed = QuoteBook({"XYZ": D(100)})
    replayed.on_reference("XYZ", D(100), 0)
    replayed.on_mark("XYZ", D("100.00"), 3)
    restored = QuoteBook({"XYZ": D(100)})
    restored.on_reference("XYZ", D(100), 0)
    restored.restore([("XYZ", D("100.00"), 3)])
    assert restored.quotes() == replayed.quotes()
    assert restored.image() == replayed.image()
