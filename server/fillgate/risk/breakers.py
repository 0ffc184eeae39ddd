"""Circuit breakers: stop an account when its losses or its rejections run away.

Evaluated per account, continuously: on every fill (all four) and on every
mark change of a symbol the account is engaged in (daily loss, drawdown).

- daily loss: equity at the start of the UTC day minus equity now (realized
  and unrealized P&L, net of fees); over the limit (an amount) trips;
- drawdown: the fall from the day's peak equity, in % of that peak;
- rejection rate: venue rejections among the orders accepted within the
  sliding window, in %, once at least ``min_orders`` were accepted;
- slippage: a fill worse than its expected price (the limit price, the stop
  price, or the mark when a market order was accepted), in % of it.

A trip is latched: it streams a ``BreakerTripped`` alert, logs one line and
hands a ``Halt`` of the account (its configured mode, cancel-open, flatten) to
the ``trip`` callback (the kill switch). It re-arms on Resume of the account
or of all trading, and at the next UTC day, which also resets the day's
baseline and peak to the equity at the first event of the day. A loss
breaker re-armed while the loss is still over its limit trips again at the
next fill or mark change: use mode REDUCING to let the account trade out.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from fillgate.book.positions import PositionBook
from fillgate.domain import events as ev
from fillgate.domain.commands import Halt
from fillgate.domain.enums import Breaker, HaltScope, Side, TradingMode
from fillgate.domain.orders import Order
from fillgate.domain.values import EXACT, RATIO, ZERO, Clock, fmt
from fillgate.risk.settings import BreakersConfig

log = logging.getLogger("fillgate.risk.breakers")

DAY_NS = 86_400 * 1_000_000_000
_HUNDRED = Decimal(100)
_PLACES = Decimal("0.0001")

Publish = Callable[[object], object]
Trip = Callable[[Halt], None]


def pct(part: Decimal, whole: Decimal) -> Decimal:
    """Return ``part`` as a percentage of ``whole`` to 4 places (for display only)."""
    if whole <= 0:
        return ZERO
    return RATIO.divide(EXACT.multiply(part, _HUNDRED), whole).quantize(_PLACES, context=RATIO)


@dataclass(frozen=True, slots=True)
class Tripped:
    """When and why a breaker tripped."""

    ts_ns: int
    value: Decimal
    message: str


class AccountDay:
    """One account's breaker state for the current UTC day."""

    __slots__ = ("accepts", "day", "peak", "rejects", "start", "tripped", "worst_slippage")

    def __init__(self, day: int, equity: Decimal) -> None:
        self.day = day
        self.start = equity
        self.peak = equity
        self.worst_slippage = ZERO
        self.tripped: dict[Breaker, Tripped] = {}
        #: Monotonic ns of accepted orders and of venue rejections, within the window.
        self.accepts: deque[int] = deque()
        self.rejects: deque[int] = deque()


class Breakers:
    """The four breakers of every account; single writer."""

    def __init__(self, settings: BreakersConfig, *, clock: Clock, book: PositionBook) -> None:
        self.settings = settings
        self._clock = clock
        self._book = book
        self._days: dict[str, AccountDay] = {}
        self._publish: Publish | None = None
        self._trip: Trip | None = None
        self._equity_on = settings.daily_loss.limit is not None or (
            settings.drawdown.limit is not None
        )
        self._window_ns = settings.rejection_rate.window_s * 1_000_000_000

    def connect(self, *, publish: Publish, trip: Trip) -> None:
        """Say where alerts go (the stream) and who acts on a trip (the kill switch)."""
        self._publish = publish
        self._trip = trip

    def day(self, account: str) -> AccountDay:
        """Return the account's state for today, starting a new day when the UTC date moved."""
        today = self._clock.now_ns() // DAY_NS
        st = self._days.get(account)
        if st is None or st.day != today:
            fresh = AccountDay(today, self._book.snapshot(account).equity)
            if st is not None:  # the rejection window slides across midnight
                fresh.accepts, fresh.rejects = st.accepts, st.rejects
            st = self._days[account] = fresh
        return st

    def start_day(self, accounts: Iterable[str]) -> None:
        """Take today's baselines now (at startup, after a replay)."""
        for account in accounts:
            self._days.pop(account, None)
            self.day(account)

    def rearm(self, scope: HaltScope, target: str) -> None:
        """Re-arm the breakers a Resume of ``scope``/``target`` covers."""
        for account, st in self._days.items():
            if scope is HaltScope.ALL or (scope is HaltScope.ACCOUNT and target == account):
                st.tripped.clear()

    # -- hooks ------------------------------------------------------------------

    def on_accepted(self, account: str) -> None:
        if self.settings.rejection_rate.limit is not None:
            self.day(account).accepts.append(self._clock.monotonic_ns())

    def on_rejected(self, account: str) -> None:
        limit = self.settings.rejection_rate.limit
        if limit is None:
            return
        st = self.day(account)
        st.rejects.append(self._clock.monotonic_ns())
        rejects, accepts = self.rejection_counts(st)
        if accepts >= self.settings.rejection_rate.min_orders and (
            rejects * _HUNDRED > limit * accepts
        ):
            self._fire(
                Breaker.REJECTION_RATE,
                account,
                "",
                pct(Decimal(rejects), Decimal(accepts)),
                limit,
                f"{rejects} of {accepts} orders rejected in the last "
                f"{self.settings.rejection_rate.window_s} s",
            )

    def rejection_counts(self, st: AccountDay) -> tuple[int, int]:
        """Drop what left the window; return (rejections, accepted orders) within it."""
        horizon = self._clock.monotonic_ns() - self._window_ns
        for q in (st.accepts, st.rejects):
            while q and q[0] < horizon:
                q.popleft()
        return len(st.rejects), len(st.accepts)

    def on_fill(self, order: Order, price: Decimal, expected: Decimal | None) -> None:
        limit = self.settings.slippage.limit
        adverse = EXACT.subtract(price, expected) if limit is not None and expected else ZERO
        if order.side is not Side.BUY:
            adverse = -adverse
        if adverse > 0:  # only adverse fills can trip; favourable and exact ones cost nothing
            assert limit is not None and expected is not None
            st = self.day(order.account)
            slippage = pct(adverse, expected)
            if slippage > st.worst_slippage:
                st.worst_slippage = slippage
            if EXACT.multiply(adverse, _HUNDRED) > EXACT.multiply(limit, expected):
                self._fire(
                    Breaker.SLIPPAGE,
                    order.account,
                    order.symbol,
                    slippage,
                    limit,
                    f"{order.side.name} {order.symbol} filled at {fmt(price)}, expected "
                    f"{fmt(expected)} (order {order.order_id})",
                )
        if self._equity_on:
            self._check_equity(order.account)

    def on_equity_change(self, accounts: Iterable[str]) -> None:
        if self._equity_on:
            for account in accounts:
                self._check_equity(account)

    def _check_equity(self, account: str) -> None:
        st = self.day(account)
        equity = self._book.snapshot(account).equity
        if equity > st.peak:
            st.peak = equity
        limit = self.settings.daily_loss.limit
        if limit is not None:
            loss = EXACT.subtract(st.start, equity)
            if loss > limit:
                self._fire(
                    Breaker.DAILY_LOSS,
                    account,
                    "",
                    loss,
                    limit,
                    f"equity {fmt(equity)} is {fmt(loss)} below {fmt(st.start)} at the day start",
                )
        limit = self.settings.drawdown.limit
        if limit is not None and st.peak > 0:
            fall = EXACT.subtract(st.peak, equity)
            if EXACT.multiply(fall, _HUNDRED) > EXACT.multiply(limit, st.peak):
                self._fire(
                    Breaker.DRAWDOWN,
                    account,
                    "",
                    pct(fall, st.peak),
                    limit,
                    f"equity {fmt(equity)} is {fmt(fall)} below the day's peak {fmt(st.peak)}",
                )

    # -- a trip -----------------------------------------------------------------

    def _fire(
        self,
        kind: Breaker,
        account: str,
        symbol: str,
        value: Decimal,
        limit: Decimal,
        detail: str,
    ) -> None:
        st = self.day(account)
        if kind in st.tripped:
            return
        cfg = self.settings.get(kind)
        now = self._clock.now_ns()
        name = kind.name.lower()
        message = f"breaker {name} tripped: {fmt(value)} is over the limit {fmt(limit)}; {detail}"
        st.tripped[kind] = Tripped(now, value, message)
        mode = TradingMode[cfg.mode]
        log.warning(
            "event=breaker_tripped breaker=%s account=%s symbol=%s value=%s limit=%s mode=%s "
            "cancel_open=%s flatten=%s detail=%r",
            name,
            account,
            symbol,
            fmt(value),
            fmt(limit),
            mode.name,
            cfg.cancel_open_orders,
            cfg.flatten_positions,
            detail,
        )
        alert = ev.BreakerTripped(
            breaker=kind,
            account=account,
            symbol=symbol,
            mode=mode,
            cancel_open_orders=cfg.cancel_open_orders,
            flatten_positions=cfg.flatten_positions,
            value=value,
            limit=limit,
            message=message,
            ts_ns=now,
        )
        try:  # a failure here must never break the order path that called us
            if self._publish is not None:
                self._publish(alert)
            if self._trip is not None:
                self._trip(
                    Halt(
                        scope=HaltScope.ACCOUNT,
                        target=account,
                        mode=mode,
                        reason=message,
                        requested_by=f"breaker:{name}",
                        cancel_open_orders=cfg.cancel_open_orders,
                        flatten_positions=cfg.flatten_positions,
                    )
                )
        except Exception:
            log.exception("event=breaker_action_failed breaker=%s account=%s", name, account)

    def value(self, kind: Breaker, account: str) -> Decimal:
        """Return the breaker's current measure for ``account`` (for GetRiskState)."""
        st = self.day(account)
        if kind is Breaker.SLIPPAGE:
            return st.worst_slippage
        if kind is Breaker.REJECTION_RATE:
            rejects, accepts = self.rejection_counts(st)
            return pct(Decimal(rejects), Decimal(accepts))
        equity = self._book.snapshot(account).equity
        if kind is Breaker.DAILY_LOSS:
            return EXACT.subtract(st.start, equity)
        peak = max(st.peak, equity)  # the peak only moves while a loss breaker watches
        return pct(EXACT.subtract(peak, equity), peak)
