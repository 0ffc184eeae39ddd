"""The daily trade report: per account and symbol, what one day's fills did.

Read back from the journal by folding it into a blank state (the same fold as
live trading), so realized P&L uses the book's own average-cost accounting and
carries positions opened before the day. Per (account, symbol):

- trades, bought and sold quantity, volume (both sides), notional, fees;
- average buy and sell prices (the quotient rounded half-even to 10 decimal places);
- realized P&L over the day (fees not deducted: they are their own column);
- max drawdown: the largest fall of the position's P&L (realized + unrealized at
  the latest mark) from its running peak, sampled at each fill and price move
  of the day, starting from its value when the day began.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from fillgate.domain import events as ev
from fillgate.domain.enums import Side
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import ratio
from fillgate.engine.fold import State, fold
from fillgate.engine.history import CHUNK
from fillgate.journal.codec import decode
from fillgate.journal.journal import Journal
from fillgate.journal.log import read_bodies

ZERO = Decimal(0)
_AVERAGE_PLACES = Decimal("1E-10")
Key = tuple[str, str]


@dataclass(slots=True)
class DailyRow:
    account: str
    symbol: str
    trades: int = 0
    bought: Decimal = ZERO
    sold: Decimal = ZERO
    buy_notional: Decimal = ZERO
    sell_notional: Decimal = ZERO
    fees: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    max_drawdown: Decimal = ZERO
    _peak: Decimal | None = None

    @property
    def volume(self) -> Decimal:
        return self.bought + self.sold

    @property
    def notional(self) -> Decimal:
        return self.buy_notional + self.sell_notional

    @property
    def average_buy_price(self) -> Decimal | None:
        return _average(self.buy_notional, self.bought)

    @property
    def average_sell_price(self) -> Decimal | None:
        return _average(self.sell_notional, self.sold)

    def sample(self, pnl: Decimal) -> None:
        """Track the running peak of the position's P&L and the deepest fall from it."""
        if self._peak is None or pnl > self._peak:
            self._peak = pnl
        self.max_drawdown = max(self.max_drawdown, self._peak - pnl)


def _average(notional: Decimal, quantity: Decimal) -> Decimal | None:
    if not quantity:
        return None
    return ratio(notional, quantity).quantize(_AVERAGE_PLACES, ROUND_HALF_EVEN)


def _pnl(state: State, key: Key) -> Decimal:
    pos = state.book.position(*key)
    return ZERO if pos is None else pos.realized_pnl + pos.unrealized_pnl


async def daily_report(
    journal: Journal | None,
    blank: State,
    start_ns: int,
    end_ns: int,
    accounts: frozenset[str] = frozenset(),
) -> list[DailyRow]:
    """The rows for fills with ``start_ns <= time < end_ns``, sorted by account and symbol.

    ``accounts`` keeps only those accounts' rows (empty: every account).
    """
    if journal is None:
        raise FailedPrecondition("JOURNAL_OFF", "the journal is off: there is no history to report")
    await journal.durable()
    rows: dict[Key, DailyRow] = {}
    for index, body in enumerate(read_bodies(journal.path)):
        if index % CHUNK == 0:
            await asyncio.sleep(0)
        event = decode(body).event
        ts = getattr(event, "ts_ns", 0)
        inside = start_ns <= ts < end_ns
        if inside and type(event) is ev.OrderFilled:
            order = blank.orders.orders[event.order_id]
            key = (order.account, order.symbol)
            if accounts and key[0] not in accounts:
                fold(blank, event)
                continue
            row = rows.get(key)
            if row is None:
                row = rows[key] = DailyRow(*key)
                row.sample(_pnl(blank, key))  # where the day began
            pos = blank.book.position(*key)
            before = ZERO if pos is None else pos.realized_pnl
            fold(blank, event)
            after = blank.book.position(*key)
            assert after is not None
            row.trades += 1
            notional = event.quantity * event.price
            if order.side is Side.BUY:
                row.bought += event.quantity
                row.buy_notional += notional
            else:
                row.sold += event.quantity
                row.sell_notional += notional
            row.fees += event.fee
            row.realized_pnl += after.realized_pnl - before
            row.sample(_pnl(blank, key))
            continue
        fold(blank, event)
        if inside and type(event) is ev.ReferencePriceMoved:
            for key, row in rows.items():
                if key[1] == event.symbol:
                    row.sample(_pnl(blank, key))
    return [rows[k] for k in sorted(rows)]
