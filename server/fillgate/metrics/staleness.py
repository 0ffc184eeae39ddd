"""Data-stale alerts: a symbol whose live quotes stopped while its market is open.

Only symbols with a live quote source are watched (the paper price feed's
symbols, and the symbols the quote poller reads from remote venues): a symbol
priced only by the paper venue's reference price never goes stale. A watched
symbol is silent from its last live quote, but never from before the watch
started or before its market last opened, as the previous round saw it (the
weekend's gap is not an outage). Once silent longer than ``[alerts] quote_stale_after_s`` while its
market is open (regular session), it raises one ``DATA_STALE`` alert; when a
fresh quote arrives it raises one ``DATA_RESUMED`` alert; nothing in between,
however often :meth:`StaleQuotes.check` runs. A market that closes during an
outage raises nothing more; the outage ends with the next fresh quote.

This room sits below the engine and the sessions room, so the quote times and
the market's state come in as callables (see ``fillgate.metrics.wiring``).
All times are the injected clock's wall time (quote times are wall time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Protocol

from fillgate.domain.enums import AlertKind
from fillgate.domain.values import fmt

_NS = 1_000_000_000


class RaiseAlert(Protocol):
    def __call__(
        self,
        kind: AlertKind,
        account: str,
        symbol: str,
        value: Decimal,
        threshold: Decimal,
        message: str,
    ) -> None: ...


def seconds(ns: int) -> Decimal:
    """``ns`` in seconds, to the millisecond."""
    return Decimal(ns // 1_000_000) / 1000


class StaleQuotes:
    """Watches ``symbols``' live quotes; :meth:`check` is one round (the alerter's watchdog)."""

    def __init__(
        self,
        symbols: Iterable[str],
        stale_after_s: float,
        *,
        quote_ns: Callable[[str], int | None],
        is_open: Callable[[str, int], bool],
        now_ns: Callable[[], int],
        raise_alert: RaiseAlert,
    ) -> None:
        self.symbols = tuple(sorted(set(symbols)))
        self._after_ns = int(stale_after_s * _NS)
        self._quote_ns = quote_ns
        self._is_open = is_open
        self._now_ns = now_ns
        self._raise = raise_alert
        #: The previous round (or the start): a market first seen open now opened after it.
        self._checked_ns = now_ns()
        #: symbol -> when its market opened (as the rounds saw it) in the current session.
        self._open_since: dict[str, int] = {}
        #: symbol -> when it went silent, for symbols a DATA_STALE alert named.
        self.stale: dict[str, int] = {}

    def check(self) -> None:
        """One round: alert on symbols gone stale, and on stale ones whose quotes resumed."""
        if self._after_ns <= 0:
            return
        now = self._now_ns()
        previous, self._checked_ns = self._checked_ns, now
        for symbol in self.symbols:
            last = self._quote_ns(symbol)
            fresh = last is not None and now - last < self._after_ns
            if symbol in self.stale:
                if fresh:
                    self._resumed(symbol, now)
                continue
            if not self._is_open(symbol, now):
                self._open_since.pop(symbol, None)
                continue
            opened = self._open_since.setdefault(symbol, previous)
            silent_from = max(last or 0, opened)
            if now - silent_from >= self._after_ns:
                self._went_stale(symbol, now, silent_from, last)

    def _went_stale(self, symbol: str, now: int, silent_from: int, last: int | None) -> None:
        self.stale[symbol] = silent_from
        age = seconds(now - silent_from)
        what = "no live quote yet" if last is None else "no quote"
        self._raise(
            AlertKind.DATA_STALE,
            "",
            symbol,
            age,
            self._threshold(),
            f"{symbol}: {what} for {fmt(age)} s while its market is open",
        )

    def _resumed(self, symbol: str, now: int) -> None:
        silent_from = self.stale.pop(symbol)
        last = self._quote_ns(symbol) or now
        gap = seconds(max(0, last - silent_from))
        self._raise(
            AlertKind.DATA_RESUMED,
            "",
            symbol,
            gap,
            self._threshold(),
            f"{symbol}: quotes resumed after {fmt(gap)} s without one",
        )

    def _threshold(self) -> Decimal:
        return seconds(self._after_ns)
