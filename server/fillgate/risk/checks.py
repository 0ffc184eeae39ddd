"""The pre-trade risk engine: every new order and every widening replace passes it.

:meth:`RiskChecks.check` runs after the halt guard and raises
``FailedPrecondition`` (rate limits: ``ResourceExhausted``) with an
UPPER_SNAKE_CASE reason and ``limit``/``value`` metadata. In order:

0. a fresh price, where a check below needs one (``risk/staleness.py``:
   ``QUOTE_STALE``; flattening orders are never refused for it);
1. sanity (every order, flattening ones too): min/max quantity, lot size,
   tick size, price collar, max notional;
2. exposure (only orders that raise the worst-case position, see
   :mod:`fillgate.risk.exposure`; flattening orders skip it): position
   quantity and % of equity, open positions, one pending entry per side,
   gross exposure % of equity, leverage, total gross exposure, buying power;
3. order rate per account and per strategy (token buckets), last, so a
   denied order spends no token.

Everything is O(1) per order: limits are resolved once per (account, symbol,
strategy) and exposure is kept incrementally by the hooks the engine calls
(:meth:`on_order` from ``Engine._apply``, :meth:`on_mark` on price moves).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from fillgate.book.positions import PositionBook
from fillgate.domain import events as ev
from fillgate.domain.enums import Side
from fillgate.domain.errors import FailedPrecondition, ResourceExhausted
from fillgate.domain.orders import Order
from fillgate.domain.ratelimit import TokenBucket
from fillgate.domain.universe import Universe
from fillgate.domain.values import EXACT, RATIO, ZERO, Clock, fmt
from fillgate.marketdata.quotes import QuoteBook
from fillgate.risk.breakers import Breakers, pct
from fillgate.risk.exposure import ExposureBook, Slot
from fillgate.risk.limits import LimitResolver, OrderLimits
from fillgate.risk.settings import RiskConfig
from fillgate.risk.staleness import Staleness

_add = EXACT.add
_sub = EXACT.subtract
_mul = EXACT.multiply
_HUNDRED = Decimal(100)
MAX_FLATTEN_CHUNKS = 100
_MIN_QTY = "quantity {value} is below the minimum {limit} per order"
_LOT = "quantity {value} is not a multiple of the lot size {limit}"
_POSITION = "the position would reach {value} (counting working orders), over the maximum {limit}"
_LEVERAGE = "leverage would reach {value}, over the maximum {limit}"
_NO_QUANTITY_CHANGE = frozenset(
    {
        ev.OrderAcknowledged,
        ev.OrderTriggered,
        ev.OrderCancelRequested,
        ev.OrderCancelRejected,
        ev.OrderReplaceRequested,
        ev.OrderReplaceRejected,
    }
)


class RiskChecks:
    """Pre-trade checks over running aggregates, and the circuit breakers."""

    def __init__(
        self,
        settings: RiskConfig,
        universe: Universe,
        *,
        clock: Clock,
        book: PositionBook,
        quotes: QuoteBook | None = None,
        max_quote_age_s: float = 0.0,
    ) -> None:
        self.universe = universe
        self.settings = settings
        self.clock = clock
        self.book = book
        self.limits = LimitResolver(settings)
        margin = {}
        for account in universe.accounts:
            for symbol in universe.symbols:
                rate = self.limits.get(account, symbol, "").margin_rate
                if rate is not None:
                    margin[(account, symbol)] = rate
        self.exposure = ExposureBook(
            book,
            {name: s.reference_price for name, s in universe.symbols.items()},
            margin,
            universe.accounts,
            track_entries=any(
                settings.account(a).one_pending_entry_per_side for a in universe.accounts
            ),
        )
        self.breakers = Breakers(settings.breakers, clock=clock, book=book)
        self.account_buckets = {
            name: TokenBucket(limits.orders_per_second, limits.order_burst, clock=clock)
            for name in universe.accounts
            if (limits := settings.account(name)).orders_per_second is not None
        }
        self.strategy_buckets = {
            name: TokenBucket(limits_s.orders_per_second, limits_s.order_burst, clock=clock)
            for name, limits_s in settings.strategies.items()
            if limits_s.orders_per_second is not None
        }
        breakers = settings.breakers
        self._slippage_on = breakers.slippage.limit is not None
        self._rejections_on = breakers.rejection_rate.limit is not None
        self.staleness = (
            Staleness(quotes, clock, max_quote_age_s)
            if quotes is not None and max_quote_age_s > 0
            else None
        )

    # -- the check --------------------------------------------------------------

    def check(
        self,
        *,
        account: str,
        symbol: str,
        strategy: str,
        side: Side,
        quantity: Decimal,
        limit_price: Decimal | None,
        stop_price: Decimal | None,
        flatten: bool = False,
        replacing: Order | None = None,
    ) -> None:
        """Raise when the order breaks a limit; ``quantity`` is what would newly work.

        For a replace, ``replacing`` is the order as it stands: its working
        quantity is swapped for ``quantity`` and sanity checks see the new total.
        """
        lim = self.limits.get(account, symbol, strategy)
        mark = self.exposure.marks[symbol]
        where = (account, symbol)
        total = quantity if replacing is None else _add(quantity, replacing.filled_quantity)
        if self.staleness is not None and not flatten:
            market = limit_price is None and stop_price is None
            if (lim.price_collar_pct is not None and not market) or (
                market and (lim.max_order_notional is not None or self._slippage_on)
            ):
                self.staleness.check(account, symbol)
        if lim.sanity:
            self._sanity(lim, where, total, limit_price, stop_price, mark)
        if flatten:
            return
        slot = self.exposure.slot(account, symbol)
        position = self.book.quantity(account, symbol)
        buys, sells = slot.buys, slot.sells
        if replacing is not None:
            if replacing.side is Side.BUY:
                buys = _sub(buys, replacing.leaves_quantity)
            else:
                sells = _sub(sells, replacing.leaves_quantity)
        if side is Side.BUY:
            buys = _add(buys, quantity)
        else:
            sells = _add(sells, quantity)
        worst = max(abs(_add(position, buys)), abs(_sub(position, sells)))
        if worst > slot.worst(position):
            self._exposure(lim, slot, side, worst, mark, replacing)
        if self.account_buckets or self.strategy_buckets:
            self._rate(account, strategy, where)

    @staticmethod
    def _sanity(
        lim: OrderLimits,
        where: tuple[str, str],
        quantity: Decimal,
        limit_price: Decimal | None,
        stop_price: Decimal | None,
        mark: Decimal,
    ) -> None:
        if lim.min_order_quantity is not None and quantity < lim.min_order_quantity:
            _deny("QUANTITY_BELOW_MIN_PER_ORDER", _MIN_QTY, lim.min_order_quantity, quantity, where)
        if lim.max_order_quantity is not None and quantity > lim.max_order_quantity:
            _deny(
                "QUANTITY_EXCEEDS_MAX_PER_ORDER",
                "quantity {value} exceeds the maximum {limit} per order",
                lim.max_order_quantity,
                quantity,
                where,
            )
        if lim.lot_size is not None and EXACT.remainder(quantity, lim.lot_size):
            _deny("QUANTITY_NOT_MULTIPLE_OF_LOT_SIZE", _LOT, lim.lot_size, quantity, where)
        for name, price in (("limit_price", limit_price), ("stop_price", stop_price)):
            if price is None:
                continue
            if lim.tick_size is not None and EXACT.remainder(price, lim.tick_size):
                _deny(
                    "PRICE_NOT_MULTIPLE_OF_TICK_SIZE",
                    "{field} {value} is not a multiple of the tick size {limit}",
                    lim.tick_size,
                    price,
                    where,
                    field=name,
                )
            collar = lim.price_collar_pct
            if collar is not None and _mul(abs(_sub(price, mark)), _HUNDRED) > _mul(collar, mark):
                _deny(
                    "PRICE_OUTSIDE_COLLAR",
                    "{field} {price} is {value}% from the reference price {reference_price}, "
                    "outside the {limit}% collar",
                    collar,
                    pct(abs(_sub(price, mark)), mark),
                    where,
                    field=name,
                    price=fmt(price),
                    reference_price=fmt(mark),
                )
        if lim.max_order_notional is not None:
            price = limit_price or stop_price or mark
            notional = _mul(quantity, price)
            if notional > lim.max_order_notional:
                _deny(
                    "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
                    "notional {value} (at price {price}) exceeds the maximum {limit} per order",
                    lim.max_order_notional,
                    notional,
                    where,
                    price=fmt(price),
                )

    def _exposure(
        self,
        lim: OrderLimits,
        slot: Slot,
        side: Side,
        worst: Decimal,
        mark: Decimal,
        replacing: Order | None,
    ) -> None:
        """Judge an order that raises its slot's worst-case quantity to ``worst``."""
        account, acc_limits = slot.account, lim.account
        where = (account, slot.symbol)
        if self.staleness is not None and lim.prices_exposure:
            self.staleness.check(account, slot.symbol)
        acc = self.exposure.accounts[account]
        equity = self.book.snapshot(account).equity
        value = _mul(worst, mark)
        if lim.max_position_quantity is not None and worst > lim.max_position_quantity:
            _deny(
                "POSITION_EXCEEDS_MAX_QUANTITY", _POSITION, lim.max_position_quantity, worst, where
            )
        cap = lim.max_position_pct_equity
        if cap is not None and _mul(value, _HUNDRED) > _mul(cap, equity):
            _deny(
                "POSITION_EXCEEDS_MAX_PCT_EQUITY",
                "the position would reach {value}% of equity, over the maximum {limit}%",
                cap,
                pct(value, equity),
                where,
            )
        most = acc_limits.max_open_positions
        if most is not None and not slot.engaged and acc.engaged >= most:
            _deny(
                "OPEN_POSITIONS_EXCEED_MAX",
                "this would be open position {value}, over the maximum {limit}",
                Decimal(most),
                Decimal(acc.engaged + 1),
                where,
            )
        if acc_limits.one_pending_entry_per_side:
            pending = slot.entries[side]
            if replacing is not None and replacing.side is side and slot.entries[side]:
                pending -= 1  # the order being replaced is (at most) that one entry
            if pending > 0:
                _deny(
                    "PENDING_ENTRY_EXISTS",
                    "{value} {side} entry order(s) already working; at most one is allowed",
                    ZERO,
                    Decimal(pending),
                    where,
                    side=side.name,
                )
        delta = _sub(value, slot.gross)
        gross = _add(acc.gross, delta)
        cap = acc_limits.max_gross_exposure_pct_equity
        if cap is not None and _mul(gross, _HUNDRED) > _mul(cap, equity):
            _deny(
                "GROSS_EXPOSURE_EXCEEDS_MAX_PCT_EQUITY",
                "gross exposure would reach {value}% of equity, over the maximum {limit}%",
                cap,
                pct(gross, equity),
                where,
            )
        cap = acc_limits.max_leverage
        if cap is not None and gross > _mul(cap, equity):
            leverage = pct(gross, equity) / _HUNDRED if equity > 0 else gross
            _deny("LEVERAGE_EXCEEDS_MAX", _LEVERAGE, cap, leverage, where)
        cap = self.settings.max_total_gross_exposure
        if cap is not None and _add(self.exposure.total_gross, delta) > cap:
            _deny(
                "TOTAL_GROSS_EXPOSURE_EXCEEDS_MAX",
                "gross exposure of all accounts would reach {value}, over the maximum {limit}",
                cap,
                _add(self.exposure.total_gross, delta),
                where,
            )
        rate = lim.margin_rate
        if rate is not None:
            needed = _mul(delta, rate)
            if _add(acc.margin, needed) > equity:
                _deny(
                    "INSUFFICIENT_BUYING_POWER",
                    "the order needs {value} of margin; buying power is {limit}",
                    _sub(equity, acc.margin),
                    needed,
                    where,
                    margin_rate=fmt(rate),
                )

    def _rate(self, account: str, strategy: str, where: tuple[str, str]) -> None:
        """Take a token from the account's and the strategy's bucket, or deny without taking."""
        acc_bucket = self.account_buckets.get(account)
        strat_bucket = self.strategy_buckets.get(strategy)
        for scope, name, bucket in (
            ("ACCOUNT", account, acc_bucket),
            ("STRATEGY", strategy, strat_bucket),
        ):
            if bucket is not None and bucket.available() < 1.0:
                raise ResourceExhausted(
                    f"ORDER_RATE_EXCEEDS_MAX_PER_{scope}",
                    f"{scope.lower()} {name} sends more than {fmt(bucket.rate)} orders per "
                    f"second (burst {bucket.burst}); retry in {bucket.retry_after_ms()} ms",
                    {
                        "account": where[0],
                        "symbol": where[1],
                        "strategy": strategy,
                        "limit": fmt(bucket.rate),
                        "value": str(bucket.burst),
                        "burst": str(bucket.burst),
                        "retry_after_ms": str(bucket.retry_after_ms()),
                    },
                )
        if acc_bucket is not None:
            acc_bucket.take()
        if strat_bucket is not None:
            strat_bucket.take()

    # -- hooks ------------------------------------------------------------------

    def on_order(self, previous: Order | None, order: Order, event: ev.OrderEvent) -> None:
        """Follow one applied order event: exposure, then the breakers."""
        kind = type(event)
        if kind in _NO_QUANTITY_CHANGE:
            return  # no working or filled quantity moved, and no breaker watches it
        self.exposure.on_order(previous, order)
        if previous is None:
            if self._rejections_on:
                self.breakers.on_accepted(order.account)
        elif kind is ev.OrderFilled:
            assert isinstance(event, ev.OrderFilled)
            expected = self._expected_price(order) if self._slippage_on else None
            self.breakers.on_fill(order, event.price, expected)
        elif kind is ev.OrderRejected and self._rejections_on:
            self.breakers.on_rejected(order.account)

    def _expected_price(self, order: Order) -> Decimal | None:
        if order.limit_price is not None:
            return order.limit_price
        if order.stop_price is not None:
            return order.stop_price
        return order.arrival_price  # the mark (mid) when fillgate accepted it

    def on_mark(self, symbol: str, price: Decimal) -> None:
        """Re-value exposure in ``symbol`` and let the breakers see the new equity."""
        slots = self.exposure.on_mark(symbol, price)
        self.breakers.on_equity_change(s.account for s in slots)

    def rebuild(self, open_orders: Iterable[Order]) -> None:
        """Recompute every aggregate from the book and open orders (call after a replay)."""
        self.exposure.rebuild(open_orders)
        self.breakers.start_day(self.universe.accounts)

    # -- flattening -------------------------------------------------------------

    def flatten_chunks(
        self, account: str, symbol: str, strategy: str, quantity: Decimal
    ) -> list[Decimal]:
        """Split a flattening quantity into orders the sanity checks accept.

        Each part is at most max_order_quantity and max_order_notional (at the
        mark), rounded down to the lot size or the symbol's quantity precision;
        at most MAX_FLATTEN_CHUNKS parts (the rest stays for the operator).
        """
        lim = self.limits.get(account, symbol, strategy)
        step = lim.lot_size or Decimal(1).scaleb(-self.universe.symbols[symbol].quantity_precision)
        size = quantity
        if lim.max_order_quantity is not None:
            size = min(size, lim.max_order_quantity)
        if lim.max_order_notional is not None:
            size = min(size, RATIO.divide(lim.max_order_notional, self.exposure.marks[symbol]))
        size = _mul(RATIO.divide(size, step).to_integral_value(rounding=ROUND_DOWN), step)
        if size <= 0 or size >= quantity:
            return [quantity]
        chunks: list[Decimal] = []
        left = quantity
        while left > 0 and len(chunks) < MAX_FLATTEN_CHUNKS:
            chunks.append(min(size, left))
            left = _sub(left, chunks[-1])
        return chunks


def _deny(
    reason: str,
    template: str,
    limit: Decimal,
    value: Decimal,
    where: tuple[str, str],
    **extra: str,
) -> None:
    """Raise the denial; ``template`` names {value}, {limit} and any of ``extra``."""
    account, symbol = where
    metadata = {"account": account, "symbol": symbol, **extra}
    metadata.update(limit=fmt(limit), value=fmt(value))
    message = template.format(**metadata)
    raise FailedPrecondition(reason, f"{account} {symbol}: {message}", metadata)
