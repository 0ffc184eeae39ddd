"""Reference prices and live quotes in, marks out: what the engine does with a price.

A reference price (``SetReferencePrice``, ``fillgate price``) is journaled
(``ReferencePriceMoved``) before the fills it causes at price-driven venues.

A quote is folded (``QuoteUpdated``) into the quote book and never journaled:
a tick log is not the journal's job. What rebuilding P&L exactly after a
restart needs is the mark of every symbol someone holds, so a mark change
(``MarkMoved``) is journaled at once while any account holds the symbol. For a
symbol nobody holds a mark changes no P&L: only the latest such mark is kept
aside, and journaled just before the next fill in that symbol (the fill that
opens a position values it at that mark, in a replay as live) or a snapshot.

Why every change of a held symbol's mark, not the last one now and then: an
answer (``GetPositions``) may show the P&L at that mark, and no answer may
show what a crash could take back. The cost is one short record per mark
change of a held symbol; quotes that leave the mark unchanged write nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from fillgate.domain import events as ev
from fillgate.domain.commands import SetReferencePrice
from fillgate.domain.errors import NotFound, Violations
from fillgate.engine.fold import SymbolState, fold
from fillgate.engine.validation import check_precision
from fillgate.marketdata.quotes import FEED, Quote, mid

if TYPE_CHECKING:
    from fillgate.engine.engine import Engine


class Marks:
    """Applies reference prices and live quotes for one engine, on its single writer."""

    __slots__ = ("_engine", "unjournaled")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        #: Per symbol, a mark applied but not yet journaled (nobody held the symbol).
        self.unjournaled: dict[str, ev.MarkMoved] = {}

    # -- reference prices ---------------------------------------------------

    def symbol(self, name: str) -> SymbolState:
        state = self._engine.state.prices.get(name)
        if state is None:
            raise NotFound("SYMBOL_NOT_FOUND", f"unknown symbol {name!r}", {"symbol": name})
        return state

    def symbols(self) -> list[SymbolState]:
        prices = self._engine.state.prices
        return [prices[n] for n in sorted(prices)]

    def set_reference_price(self, cmd: SetReferencePrice) -> SymbolState:
        """Move a reference price: re-mark positions, then let price-driven venues match."""
        engine = self._engine
        v = Violations()
        sym = engine.universe.symbols.get(cmd.symbol)
        if sym is None:
            v.add("symbol", f"unknown symbol {cmd.symbol!r}")
        else:
            check_precision(v, "price", cmd.price, sym.price_precision, sym.name)
        v.raise_if_any()
        # A mark kept aside is older than this price: a replay must not meet it after.
        self.unjournaled.pop(cmd.symbol, None)
        # Journaled before the fills it causes, so a replay meets them in the same order.
        engine.emit(
            ev.ReferencePriceMoved(
                symbol=cmd.symbol, price=cmd.price, ts_ns=engine.clock.now_ns(), by=cmd.by
            )
        )
        if engine.risk is not None:
            engine.risk.on_mark(cmd.symbol, cmd.price)
        for venue in engine.adapters():
            hook = getattr(venue, "on_reference_price", None)
            if hook is not None:
                hook(cmd.symbol, cmd.price)
        for watcher in engine.watchers:
            watcher.on_mark(cmd.symbol, cmd.price)
        return engine.state.prices[cmd.symbol]

    # -- quotes and marks -------------------------------------------------------

    def quote(self, symbol: str) -> Quote:
        """The symbol's current quote: its mark, bid/ask/last, source and time."""
        quote = self._engine.state.quotes.quote(symbol)
        if quote is None:
            raise NotFound("SYMBOL_NOT_FOUND", f"unknown symbol {symbol!r}", {"symbol": symbol})
        return quote

    def quotes(self) -> tuple[Quote, ...]:
        """Every symbol's quote: an immutable snapshot."""
        return self._engine.state.quotes.quotes()

    def arrival_price(self, symbol: str) -> Decimal | None:
        """The mid when the order is accepted (the mark when there is no bid and ask)."""
        q = self._engine.state.quotes.quote(symbol)
        if q is None:
            return None
        return mid(q.bid, q.ask) if q.bid is not None and q.ask is not None else q.mark

    def on_quote(
        self,
        symbol: str,
        *,
        bid: Decimal | None,
        ask: Decimal | None,
        last: Decimal | None = None,
        ts_ns: int = 0,
        source: str = FEED,
    ) -> Quote:
        """Apply a quote; move the mark when it changed. ``ts_ns``: the venue's time (0: now).

        A quote that does not make sense (unknown symbol, a price not positive,
        bid above ask, no price at all) raises ``InvalidArgument`` and changes nothing.
        """
        engine = self._engine
        v = Violations()
        if symbol not in engine.universe.symbols:
            v.add("symbol", f"unknown symbol {symbol!r}")
        for name, price in (("bid", bid), ("ask", ask), ("last", last)):
            if price is not None and not (price.is_finite() and price > 0):
                v.add(name, f"{name} {price} must be a positive number")
        if bid is not None and ask is not None and bid > ask:
            v.add("bid", f"bid {bid} is above ask {ask} (a crossed quote)")
        if bid is None and ask is None and last is None:
            v.add("bid", "a quote needs a bid and an ask, or a last price")
        v.raise_if_any()
        now = engine.clock.now_ns()
        state = engine.state
        fold(
            state,
            ev.QuoteUpdated(
                symbol=symbol, bid=bid, ask=ask, last=last, source=source, ts_ns=ts_ns or now
            ),
        )
        quote = state.quotes.quote(symbol)
        assert quote is not None
        if quote.mark != state.book.mark(symbol):
            self._move(ev.MarkMoved(symbol=symbol, mark=quote.mark, ts_ns=now), source)
        if source == FEED:  # the paper feed drives paper matching as `fillgate price` does
            for venue in engine.adapters():
                hook = getattr(venue, "on_reference_price", None)
                if hook is not None:  # orders trade at the feed's bid and ask
                    hook(symbol, quote.mark, bid=quote.bid, ask=quote.ask)
        return quote

    def _move(self, moved: ev.MarkMoved, source: str) -> None:
        engine = self._engine
        fold(engine.state, moved)
        if engine.journal is not None:
            if engine.book.held(moved.symbol):
                self.unjournaled.pop(moved.symbol, None)
                engine.journal.append(moved)
            else:
                self.unjournaled[moved.symbol] = moved
        if engine.risk is not None:
            engine.risk.on_mark(moved.symbol, moved.mark)
        for watcher in engine.watchers:  # trailing stops follow the live mark
            watcher.on_mark(moved.symbol, moved.mark)

    def before_fill(self, order_id: str) -> None:
        """Journal the mark kept aside for the order's symbol, ahead of its fill."""
        order = self._engine.order(order_id)
        if order is None:
            return
        pending = self.unjournaled.pop(order.symbol, None)
        journal = self._engine.journal
        if pending is not None and journal is not None:
            journal.append(pending)

    def flush(self) -> None:
        """Journal every mark kept aside (before a snapshot's capture)."""
        journal = self._engine.journal
        pending, self.unjournaled = self.unjournaled, {}
        if journal is not None:
            for moved in pending.values():
                journal.append(moved)
