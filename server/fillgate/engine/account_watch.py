"""Account state from the venues: read each remote account's money, baseline once, watch drift.

Every ``venue_account_interval_s`` each remote account whose driver can say
(``fetch_account``: OANDA ``/summary``, Alpaca ``/v2/account``, Binance
``/api/v3/account`` valued at its ``bookTicker``) is read and
the read folded (``VenueAccountRead``, not journaled). The first read an
account ever gets moves fillgate's cash so its equity is the venue's
(``EquityBaselined``, journaled once): the config's ``starting_cash`` is the
paper venue's, never a real account's. From then on, risk limits and
breakers see the venue's money through the book's equity (cash plus
positions at the live marks), and a read whose equity differs from
fillgate's by more than ``equity_drift_pct`` is a ``VenueDrift`` (kind
``equity``) on the stream, once per episode; like all drift it is reported,
not corrected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal

from fillgate.domain import events as ev
from fillgate.domain.values import EXACT, fmt
from fillgate.engine.engine import Engine
from fillgate.engine.fold import fold
from fillgate.venues.errors import VenueFailure

log = logging.getLogger("fillgate.accounts")
_HUNDRED = Decimal(100)


class AccountWatch:
    """Reads remote accounts' money every ``interval_s``; baselines and reports drift."""

    def __init__(self, engine: Engine, interval_s: float, drift_pct: Decimal) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._drift_pct = drift_pct
        self._tasks: list[asyncio.Task[None]] = []
        self._drifting: set[str] = set()
        self._failing: set[str] = set()

    def start(self) -> None:
        if self._interval_s <= 0:
            return
        for account, venue in self._engine.venues.items():
            if getattr(venue, "account_state", None) is not None:
                self._tasks.append(
                    asyncio.get_running_loop().create_task(
                        self._run(account), name=f"account-{account}"
                    )
                )

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, account: str) -> None:
        while True:
            await self.read(account)
            await asyncio.sleep(self._interval_s)

    async def read(self, account: str) -> ev.VenueAccountRead | None:
        """Read one account once and act on it; None when the venue could not be read."""
        engine = self._engine
        try:
            values = await engine.venues[account].account_state()  # type: ignore[attr-defined]
        except VenueFailure as exc:
            if account not in self._failing:
                self._failing.add(account)
                log.warning(
                    "event=venue_account_read_failed account=%s detail=%r", account, str(exc)
                )
            return None
        self._failing.discard(account)
        if values is None:
            return None
        read = ev.VenueAccountRead(
            account=account,
            currency=values.currency,
            cash=values.cash,
            equity=values.equity,
            buying_power=values.buying_power,
            margin_used=values.margin_used,
            margin_available=values.margin_available,
            ts_ns=engine.clock.now_ns(),
        )
        fold(engine.state, read)  # folded, not journaled: a restart reads the venue again
        if account not in engine.state.venue_accounts.based:
            self._baseline(read)
        else:
            self._compare(read)
        return read

    def _baseline(self, read: ev.VenueAccountRead) -> None:
        engine = self._engine
        ours = engine.book.snapshot(read.account).equity
        engine.emit(
            ev.EquityBaselined(
                account=read.account,
                delta=EXACT.subtract(read.equity, ours),
                venue_equity=read.equity,
                ts_ns=read.ts_ns,
            )
        )
        if engine.risk is not None:  # the day's loss and drawdown start from the venue's money
            engine.risk.breakers.start_day([read.account])
        log.info(
            "event=equity_baselined account=%s venue_equity=%s was=%s",
            read.account,
            fmt(read.equity),
            fmt(ours),
        )

    def _compare(self, read: ev.VenueAccountRead) -> None:
        engine = self._engine
        ours = engine.book.snapshot(read.account).equity
        gap = abs(EXACT.subtract(read.equity, ours))
        beyond = EXACT.multiply(gap, _HUNDRED) > EXACT.multiply(self._drift_pct, abs(read.equity))
        if beyond and read.account not in self._drifting:
            self._drifting.add(read.account)
            engine.emit(
                ev.VenueDrift(
                    account=read.account,
                    symbol="",
                    kind="equity",
                    ours=fmt(ours),
                    venue=fmt(read.equity),
                    message=f"the venue's equity {fmt(read.equity)} differs from fillgate's "
                    f"{fmt(ours)} by {fmt(gap)}, over {fmt(self._drift_pct)}%",
                    ts_ns=read.ts_ns,
                )
            )
        elif not beyond:
            self._drifting.discard(read.account)
