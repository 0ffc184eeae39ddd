"""The venue adapter the engine sees for one account at a real venue: :class:`RemoteVenue`.

It wires the runtime's modules around one driver and delegates to them; see
:mod:`fillgate.venues.runtime` for what each does.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

from fillgate.domain.enums import OrderState, OrderType, TimeInForce
from fillgate.domain.orders import Order
from fillgate.domain.values import Clock
from fillgate.venues.base import OrderView, ReportSink
from fillgate.venues.driver import VenueDriver, VenueSettings
from fillgate.venues.runtime.calls import VenueCaller
from fillgate.venues.runtime.context import VenueContext
from fillgate.venues.runtime.oco import OcoPairing, place_alone
from fillgate.venues.runtime.orders import cancel_order
from fillgate.venues.runtime.pump import StreamPump
from fillgate.venues.runtime.replace import replace_order
from fillgate.venues.runtime.resolve import Resolver
from fillgate.venues.runtime.sync import Backfill
from fillgate.venues.runtime.with_entry import bind_member, rides_on_entry
from fillgate.venues.types import (
    EntryProtection,
    QuoteHeartbeat,
    StreamStatus,
    VenueAccount,
    VenueOrder,
    VenuePosition,
    VenueQuote,
)

log = logging.getLogger("fillgate.venues")

#: Seconds close() waits for the runtime's tasks to end once cancelled.
_CLOSE_WAIT_S = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Connected:
    """The runtime's modules, built at connect (they need the engine's sink and view)."""

    ctx: VenueContext
    resolver: Resolver
    backfill: Backfill
    pump: StreamPump
    oco: OcoPairing


class RemoteVenue:
    """A venue adapter for one account at a real venue (see :mod:`fillgate.venues.runtime`)."""

    supports_replace = True

    def __init__(
        self,
        *,
        settings: VenueSettings,
        driver: VenueDriver,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.account = settings.account
        self.driver = driver
        self.name = driver.name
        self._clock = clock
        self._caller = VenueCaller(settings, driver, clock)
        self._run: _Connected | None = None
        #: Members bound again after a restart (see :meth:`reattach`).
        self._binding: set[asyncio.Task[None]] = set()
        #: Spot venues report balances as positions (see engine.reconcile).
        self.positions_are_balances = bool(getattr(driver, "positions_are_balances", False))
        #: Spot: every resting sell holds the balance it sells, so a bracket's stop and
        #: take-profit cannot both rest (fillgate keeps the stop; see contingent/bracket.py).
        self.sells_hold_balance = bool(getattr(driver, "sells_hold_balance", False))
        #: The venue places a take-profit and a stop as one OCO order (Alpaca order_class
        #: oco): the bracket runner then tags eligible pairs (see runtime/oco.py).
        self.native_oco = callable(getattr(driver, "place_oco", None)) and bool(
            getattr(driver, "native_oco", True)  # a driver may offer it per exchange (ccxt)
        )
        #: The trailing exit kinds the venue trails itself ("trail", "trail_percent"): the
        #: bracket runner tags such a stop ``ct.trail`` and stops moving it (runtime/trail.py).
        self.native_trail = frozenset(getattr(driver, "native_trail", ()))
        #: OANDA: a venue-trailed stop lives on the entry's trade, alone or paired with the
        #: take-profit (driver ``place_trailing`` / ``place_oco``).
        self.trail_in_oco = bool(getattr(driver, "trail_in_oco", False))
        #: The OCO's stop may be a stop-limit (Binance ``STOP_LOSS_LIMIT``).
        self.oco_stop_limit = self.native_oco and bool(getattr(driver, "oco_stop_limit", False))
        #: SubmitOrderList OCOs of a limit and a stop go as one venue OCO (Binance).
        self.list_oco = self.native_oco and bool(getattr(driver, "list_oco", False))
        #: ... only to close a position held (Alpaca: OCO orders are exits).
        self.list_oco_exits_only = bool(getattr(driver, "list_oco_exits_only", False))
        #: The OCO's stop may be one the venue trails (Binance ``belowTrailingDelta``).
        self.oco_trail = self.native_oco and bool(getattr(driver, "oco_trail", False))
        #: The decimals a venue-trailed percent may have (Binance: whole basis points).
        self.trail_percent_places: int | None = getattr(driver, "trail_percent_places", None)

    # -- lifecycle --------------------------------------------------------------

    async def connect(self, sink: ReportSink, view: OrderView | None = None) -> None:
        """Start the stream and the poller; the venue itself is opened by them (and by sync).

        Never raises for an unreachable venue: the account stays gated until a
        reconciliation succeeds, and the stream keeps trying.
        """
        assert view is not None, "a remote venue needs the engine's order view"
        ctx = VenueContext(
            settings=self.settings,
            driver=self.driver,
            caller=self._caller,
            clock=self._clock,
            sink=sink,
            view=view,
        )
        resolver = Resolver(ctx)
        backfill = Backfill(ctx, resolver, functools.partial(cancel_order, ctx))
        pump = StreamPump(ctx, backfill)
        oco = OcoPairing(ctx, resolver)
        self._run = _Connected(ctx=ctx, resolver=resolver, backfill=backfill, pump=pump, oco=oco)
        pump.start()

    async def close(self) -> None:
        """Stop the stream, the poller and any resolution, then close the driver."""
        run = self._run
        tasks = (
            run.pump.take_tasks() + run.resolver.take_tasks() + run.oco.take_tasks() if run else []
        )
        tasks += [t for t in self._binding if not t.done()]
        self._binding.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            _done, stuck = await asyncio.wait(tasks, timeout=_CLOSE_WAIT_S)
            for task in stuck:
                log.error(
                    "event=venue_task_stuck account=%s task=%s", self.account, task.get_name()
                )
        await self.driver.close()
        if run is not None:
            run.ctx.connected = False

    async def refresh_instruments(self) -> None:
        """Read the instruments again where the driver can (a halt starts or ends intraday)."""
        fetch = getattr(self.driver, "fetch_instruments", None)
        run = self._run
        if fetch is None or run is None or not run.ctx.connected:
            return
        run.ctx.instruments = await self._caller.call(fetch, retry_unknown=True)

    def trading(self, symbol: str) -> bool:
        """False while the venue halts ``symbol`` (as of its last open); True when unknown."""
        run = self._run
        inst = None if run is None else run.ctx.instruments.get(symbol)
        return inst is None or inst.trading

    def algo_order_limit(self, symbol: str) -> int | None:
        """How many stops may be open on ``symbol`` at once (Binance ``MAX_NUM_ALGO_ORDERS``)
        as of the venue's last open; None when it states no limit, or before the open."""
        run = self._run
        inst = None if run is None else run.ctx.instruments.get(symbol)
        return None if inst is None else inst.max_algo_orders

    async def reattach(self, orders: list[Order]) -> None:
        """Take back the open orders of a previous run (see :meth:`.Backfill.reattach`).

        A member still being bound to the order its entry carried (``ct.native = entry``,
        PENDING_NEW) is bound again: its venue order may have a client id the venue made
        up (an Alpaca leg), which the resolver would not find."""
        run = self._connected()
        binding = [o for o in orders if o.state is OrderState.PENDING_NEW and rides_on_entry(o)]
        run.backfill.reattach([o for o in orders if o not in binding])
        run.oco.recover(orders)
        for order in binding:
            self._binding.add(
                asyncio.get_running_loop().create_task(
                    self.submit(order), name=f"entry-bind-{order.order_id}"
                )
            )

    # -- orders -----------------------------------------------------------------

    def with_entry_fits(
        self, symbol: str, entry: OrderType, tif: TimeInForce, exits: EntryProtection
    ) -> bool:
        """True when the venue carries ``exits`` with an entry of this symbol, type and time
        in force (the driver's ``with_entry_fits``; see runtime/with_entry.py)."""
        fits = getattr(self.driver, "with_entry_fits", None)
        return fits is not None and bool(fits(symbol, entry, tif, exits))

    async def submit(self, order: Order) -> None:
        run = self._connected()
        if rides_on_entry(order) and await bind_member(run.ctx, order):
            return  # the venue made it with the entry: bound, not placed again
        if run.oco.wants(order):
            await run.oco.submit(order)
            return
        await place_alone(run.ctx, run.resolver, order)

    async def cancel(self, order: Order) -> None:
        await cancel_order(self._connected().ctx, order)

    async def replace(
        self,
        order: Order,
        quantity: Decimal,
        limit_price: Decimal | None,
        stop_price: Decimal | None,
    ) -> None:
        await replace_order(self._connected().ctx, order, quantity, limit_price, stop_price)

    # -- reconciliation reads ---------------------------------------------------

    async def sync(self, account: str = "") -> None:
        """Backfill: apply fills since the last sync and every open order's venue state."""
        await self._connected().backfill.sync()

    async def positions(self, account: str = "") -> list[VenuePosition] | None:
        return await self._caller.call(self.driver.fetch_positions, retry_unknown=True)

    async def account_state(self) -> VenueAccount | None:
        """The account's money as the venue reports it (None if its driver cannot say)."""
        fetch = getattr(self.driver, "fetch_account", None)
        if fetch is None:
            return None
        await self._connected().ctx.ensure_open()
        answer: VenueAccount = await self._caller.call(fetch, retry_unknown=True)
        return answer

    async def quotes(self, symbols: list[str]) -> list[VenueQuote]:
        """The venue's current quotes of ``symbols`` over REST ([] if its driver has none)."""
        fetch = getattr(self.driver, "fetch_quotes", None)
        if fetch is None:
            return []
        await self._connected().ctx.ensure_open()
        answer: list[VenueQuote] = await self._caller.call(fetch, symbols, retry_unknown=True)
        return answer

    async def quote_stream(
        self, symbols: list[str]
    ) -> AsyncIterator[VenueQuote | QuoteHeartbeat | StreamStatus]:
        """The venue's streamed quotes of ``symbols`` (nothing if its driver has no stream)."""
        stream = getattr(self.driver, "quote_stream", None)
        if stream is None:
            return
        await self._connected().ctx.ensure_open()
        async for item in stream(symbols):
            yield item

    def foreign_orders(self, account: str = "") -> list[VenueOrder]:
        """Open orders the venue reported that fillgate did not place."""
        return list(self._connected().ctx.legs.foreign.values())

    def stream_up(self) -> bool:
        """Whether the venue's event stream is connected now (False before connect)."""
        return self._run is not None and self._run.pump.up

    def rate_headroom(self) -> float:
        """Requests free in the venue's rate-limit bucket now (negative: calls queued)."""
        return self._caller.bucket.available()

    def _connected(self) -> _Connected:
        assert self._run is not None, "venue used before connect()"
        return self._run
