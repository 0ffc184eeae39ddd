"""Reconciliation: make fillgate's view of each account agree with its venue's, or say why not.

At start and every ``reconcile_interval_s`` per remote account:

1. the venue adapter backfills (fills since its last sync, the venue state of
   every open order), so what was missed (a stream gap, downtime) is applied;
2. the venue's positions are compared with the book, and open orders at the
   venue that fillgate did not place are listed -- after the account's order
   watchers (the bracket runner) have acted on what the backfill brought, at
   most :data:`SETTLE_S`: exits the venue made with an entry that filled while
   fillgate was down are bound to their members then, not reported as foreign;
3. every difference is logged and published as a ``VenueDrift`` event
   (streamed and journaled) when it first appears or changes;
4. an account whose venue cannot be read takes no new orders
   (FAILED_PRECONDITION VENUE_NOT_RECONCILED) until a reconciliation succeeds.
   Cancels still go through: an operator must always be able to pull orders.

Drift is reported, not corrected: which side is right needs a human.

Spot venues report balances, not positions, and an account may hold coins
fillgate never traded. For those (``positions_are_balances``) the first
reconciliation of a run records ``venue - ours`` per symbol as the baseline,
and drift is a change of that difference.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal

from fillgate.domain import events as ev
from fillgate.domain.errors import FillgateError
from fillgate.domain.values import ZERO, Clock, fmt
from fillgate.engine.engine import Engine
from fillgate.venues.errors import VenueFailure

log = logging.getLogger("fillgate.reconcile")

_PENDING = "the first reconciliation with the venue has not completed"

#: How long a reconciliation waits for the order watchers to settle before it lists the
#: venue's open orders fillgate does not know.
SETTLE_S = 5.0


class Reconciler:
    """Runs reconciliation for every account; owns the per-account order gate."""

    def __init__(
        self, engine: Engine, clock: Clock, intervals: Mapping[str, float] | None = None
    ) -> None:
        """``intervals``: each remote account's seconds between reconciliations (0 = start only).

        Remote accounts take no new orders until their first reconciliation.
        """
        self._engine = engine
        self._clock = clock
        self._intervals = dict(intervals or {})
        self._tasks: list[asyncio.Task[None]] = []
        #: Last published drift per (account, symbol, kind): publish changes only.
        self._reported: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._baseline: dict[tuple[str, str], Decimal] = {}
        self._failed: set[str] = set()
        #: When each account last reconciled cleanly (wall ns), for the console.
        self.last_reconciled_ns: dict[str, int] = {}
        #: Waits, at most the seconds given, for what the order watchers are doing now
        #: (app wiring: the bracket runner's ``settled``); True when they finished.
        self.settle: Callable[[float], Awaitable[bool]] | None = None

    async def start(self) -> None:
        """Reconcile every account once (remote accounts are gated until then), then schedule."""
        for name in self._intervals:
            self._engine.blocked.setdefault(name, _PENDING)
        for name in self._engine.universe.accounts:
            await self.reconcile(name)
        for name, interval_s in self._intervals.items():
            if interval_s > 0:
                self._tasks.append(
                    asyncio.create_task(self._every(name, interval_s), name=f"reconcile-{name}")
                )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _every(self, account: str, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            await self.reconcile(account)

    async def reconcile(self, account: str) -> list[ev.VenueDrift]:
        """Reconcile one account now; return the drifts found (published when new)."""
        engine = self._engine
        venue = engine.venues[account]
        try:
            await venue.sync(account)
            positions = await venue.positions(account)
        except (VenueFailure, FillgateError) as exc:
            reason = getattr(exc, "message", str(exc))
            engine.blocked[account] = reason
            if account not in self._failed:
                self._failed.add(account)
                self._publish(
                    account, "", "reconcile_failed", "", "", f"cannot reconcile: {reason}"
                )
            log.warning("event=reconcile_failed account=%s detail=%r", account, reason)
            return []
        engine.reopen(account)  # the bracket runner arms what was refused meanwhile
        await self._settled(account)
        foreign = venue.foreign_orders(account)
        self.last_reconciled_ns[account] = self._clock.now_ns()
        drifts: list[ev.VenueDrift] = []
        if positions is not None:
            drifts += self._positions(account, venue, {p.symbol: p.quantity for p in positions})
        for snap in foreign:
            drifts.append(
                self._drift(
                    account,
                    snap.symbol,
                    "unknown_order",
                    "",
                    snap.venue_order_id,
                    f"the venue has an open order fillgate did not place: {snap.side.name} "
                    f"{fmt(snap.quantity)} {snap.symbol} (client id {snap.client_id!r})",
                )
            )
        published = [d for d in drifts if self._changed(d)]
        for drift in published:
            self._emit(drift)
        recovered = account in self._failed
        stale = [k for k in self._reported if k[0] == account and not self._still(k, drifts)]
        for key in stale:
            del self._reported[key]
        if recovered or stale:
            self._failed.discard(account)
            if not drifts:
                self._publish(account, "", "reconciled", "", "", "the venue and fillgate agree")
        log.info("event=reconciled account=%s drifts=%d", account, len(drifts))
        return drifts

    async def _settled(self, account: str) -> None:
        """Let the order watchers act on what the backfill brought (bounded)."""
        if self.settle is not None and not await self.settle(SETTLE_S):
            log.warning("event=reconcile_settle_timeout account=%s seconds=%s", account, SETTLE_S)

    def _positions(
        self, account: str, venue: object, theirs: dict[str, Decimal]
    ) -> list[ev.VenueDrift]:
        engine = self._engine
        balances = bool(getattr(venue, "positions_are_balances", False))
        out: list[ev.VenueDrift] = []
        for symbol in sorted(engine.universe.symbols):
            ours = engine.book.quantity(account, symbol)
            venue_qty = theirs.get(symbol, ZERO)
            if balances:
                base = self._baseline.setdefault((account, symbol), venue_qty - ours)
                if base:
                    log.info(
                        "event=venue_holdings_baseline account=%s symbol=%s baseline=%s",
                        account,
                        symbol,
                        fmt(base),
                    )
                venue_qty -= base
            if ours != venue_qty:
                out.append(
                    self._drift(
                        account,
                        symbol,
                        "position",
                        fmt(ours),
                        fmt(venue_qty),
                        f"position in {symbol}: fillgate {fmt(ours)}, venue {fmt(venue_qty)}",
                    )
                )
        return out

    def _drift(
        self, account: str, symbol: str, kind: str, ours: str, venue: str, message: str
    ) -> ev.VenueDrift:
        return ev.VenueDrift(
            account=account,
            symbol=symbol,
            kind=kind,
            ours=ours,
            venue=venue,
            message=message,
            ts_ns=self._clock.now_ns(),
        )

    def _changed(self, d: ev.VenueDrift) -> bool:
        key, value = (d.account, d.symbol, d.kind), (d.ours, d.venue)
        if self._reported.get(key) == value:
            return False
        self._reported[key] = value
        return True

    def drifting(self, account: str) -> int:
        """How many drifts the last reconciliation of ``account`` still found (for the console)."""
        return sum(1 for key in self._reported if key[0] == account)

    @staticmethod
    def _still(key: tuple[str, str, str], drifts: list[ev.VenueDrift]) -> bool:
        return any((d.account, d.symbol, d.kind) == key for d in drifts)

    def _publish(
        self, account: str, symbol: str, kind: str, ours: str, venue: str, message: str
    ) -> None:
        self._emit(self._drift(account, symbol, kind, ours, venue, message))

    def _emit(self, drift: ev.VenueDrift) -> None:
        log.warning(
            "event=venue_drift account=%s symbol=%s kind=%s ours=%s venue=%s detail=%r",
            drift.account,
            drift.symbol,
            drift.kind,
            drift.ours,
            drift.venue,
            drift.message,
        )
        self._engine.emit(drift)
