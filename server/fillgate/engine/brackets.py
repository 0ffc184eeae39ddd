"""Run brackets (``contingent/bracket.py``): converge each list's members on its plan.

The runner is an engine :class:`~fillgate.engine.engine.OrderWatcher`. Any
event on a bracket's entry or members marks the list; one task per list then
plans and acts (submit, resize, cancel, each an ordinary engine command that
passes the guard and risk and is journaled), and plans again until nothing
is left to do. A plan never acts while a member waits for a venue answer, so
two passes cannot place the same member twice; member client order ids are
derived from the list id, so even a repeated submit is idempotent.

A list ended on purpose (``cancel_list``, journaled as ``OrderListEnded``, kept
in ``State.ended_lists``) plans only the cancels of what of it still works.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from fillgate.contingent.bracket import (
    Action,
    Cancel,
    HoldStop,
    Resize,
    Submit,
    Trail,
    plan,
)
from fillgate.contingent.order_list import (
    CancelLeg,
    CutLeg,
    Leg,
    ListAction,
    PlaceLeg,
    kind_of,
    list_tags,
    plan_list,
)
from fillgate.contingent.outcome import CLOSE_ATTEMPTS, closes_exhausted, refused_close
from fillgate.contingent.spec import (
    NATIVE,
    BracketSpec,
    role_of,
    spec_of,
)
from fillgate.domain import events as ev
from fillgate.domain.commands import CancelOrder, OrderRef, ReplaceOrder, SubmitOrder
from fillgate.domain.enums import OrderState
from fillgate.domain.errors import (
    FillgateError,
)
from fillgate.domain.orders import Order
from fillgate.engine.engine import Engine
from fillgate.engine.list_view import ListView, OrderList
from fillgate.engine.member_orders import (
    check_bracket,
    check_list,
    leg_order,
    leg_version,
    member_order,
)
from fillgate.engine.native_oco import (
    OCO,
    algo_room,
    entry_still_filling,
    holds_balance,
    list_oco_fits,
    native_tags,
    rung_ocos_fit,
    stop_emulated,
    with_entry,
)

log = logging.getLogger("fillgate.brackets")


#: The events that create an order: accepted at once, or queued while its market is closed.
_NEW = (ev.OrderAccepted, ev.OrderQueued)


_CANCELING = OrderState.PENDING_CANCEL

#: Passes per wake-up before giving up on a list that does not settle (logged).
MAX_ROUNDS = 20


def _steps(actions: list[Action | ListAction]) -> list[list[Action | ListAction]]:
    """The plan in steps: consecutive cancels go out together (each a venue round trip:
    a held stop that triggers cancels the take-profits holding its balance, then sells),
    every other action alone and in order."""
    steps: list[list[Action | ListAction]] = []
    for action in actions:
        together = isinstance(action, Cancel | CancelLeg)
        if together and steps and isinstance(steps[-1][0], Cancel | CancelLeg):
            steps[-1].append(action)
        else:
            steps.append([action])
    return steps


class Brackets:
    """Every bracket's members, and the tasks that keep them in step with the plan."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        #: list id (the entry's order id) -> member order ids, in creation order.
        self._members: dict[str, list[str]] = {}
        self._dirty: set[str] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        #: symbol -> ids of the open lists that follow the mark (trailing or emulated stops).
        self._trailing: dict[str, set[str]] = {}
        #: Told when the venue refused a bracket's last closing order (the alerter's
        #: ``protection_failed``, hooked in by the app when alerts are on).
        self.on_close_given_up: Callable[..., None] | None = None
        self._view = ListView(engine, self._members, self._stop_held, self.mark_of)
        engine.watchers.append(self)

    # -- engine.OrderWatcher ------------------------------------------------------

    def on_start(self, open_orders: list[Order]) -> None:
        """Index every list (members of ended lists too: GetOrderList shows them), re-arm."""
        for _, order in self._engine.orders():
            self._index(order)
        for list_id in self._members:
            self._mark(list_id)

    def on_order(self, order: Order, event: ev.OrderEvent) -> None:
        if type(event) in _NEW:
            self._index(order)
        elif type(event) is ev.OrderRejected and refused_close(order):
            self._close_refused(order)
        if order.order_id in self._members:
            self._mark(order.order_id)
        elif order.tags:
            list_id = role_of(order)[0]
            if list_id in self._members:
                self._mark(list_id)

    def _close_refused(self, order: Order) -> None:
        """Say so, once, when the venue refused the last closing order a bracket sends."""
        list_id, role = role_of(order)
        if list_id not in self._members or not closes_exhausted(self._orders(list_id), role):
            return
        log.error(
            "event=bracket_close_given_up list_id=%s role=%s attempts=%d reason=%r",
            list_id,
            role,
            CLOSE_ATTEMPTS,
            order.reason,
        )
        if self.on_close_given_up is not None:
            self.on_close_given_up(
                account=order.account,
                symbol=order.symbol,
                list_id=list_id,
                role=role,
                attempts=CLOSE_ATTEMPTS,
                reason=order.reason,
            )

    def on_stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    def on_mark(self, symbol: str, price: Decimal) -> None:
        """A mark moved: trailing stops on ``symbol`` may follow it."""
        for list_id in self._trailing.get(symbol, ()):
            self._mark(list_id)

    def on_account_open(self, account: str) -> None:
        """The account takes new orders again: plan its lists (arming refused meanwhile)."""
        for list_id in self._members:
            entry = self._engine.order(list_id)
            if entry is not None and entry.account == account:
                self._mark(list_id)

    # -- the api's side -------------------------------------------------------------

    async def submit(self, cmd: SubmitOrder, spec: BracketSpec) -> OrderList:
        """Validate and place a bracket's entry; answer once its first plan is carried out."""
        check_bracket(cmd, spec, self._engine.universe.symbols.get(cmd.symbol))
        carried = None  # the exits ride on the entry where the venue can (one tag more)
        if len(cmd.tags) + len(spec.tags()) < 16:
            carried = with_entry(self._engine.venues.get(cmd.account), cmd, spec)
        tagged = replace(cmd, tags=(*cmd.tags, *spec.tags(), *((carried,) if carried else ())))
        result = await self._engine.submit(tagged)
        list_id = result.order.order_id
        await self.settle(list_id)
        await self._engine.durable()
        return self.get(list_id)

    async def cancel_list(self, list_id: str, by: str = "") -> OrderList:
        """End a list on purpose (CancelOrderList): journal that it ended, then cancel what
        of it works; fills and the position stay. A repeat cancels nothing new."""
        self.get(list_id)  # NotFound first
        if list_id not in self._engine.state.ended_lists:
            now = self._engine.clock.now_ns()
            self._engine.emit(ev.OrderListEnded(list_id=list_id, ts_ns=now, by=by))
        self._mark(list_id)
        await self.settle(list_id)
        await self._engine.durable()
        return self.get(list_id)

    def get(self, list_id: str) -> OrderList:
        """The list as the api shows it (see :mod:`.list_view`)."""
        return self._view.get(list_id)

    async def settled(self, timeout: float) -> bool:
        """Wait, at most ``timeout`` seconds, for the lists being worked on now (never
        cancels them); True when they finished."""
        tasks = list(self._tasks.values())
        if not tasks:
            return True
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        return not pending

    async def settle(self, list_id: str | None = None) -> None:
        """Wait until the list (or every list) has nothing left to do."""
        while True:
            tasks = [t for k, t in self._tasks.items() if list_id is None or k == list_id]
            if not tasks:
                return
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- converging -------------------------------------------------------------------

    def _index(self, order: Order) -> None:
        if not order.tags:
            return
        if kind_of(order.tags)[0]:
            self._members.setdefault(order.order_id, [])
            return
        spec = spec_of(order.tags)
        if spec is not None:
            self._members.setdefault(order.order_id, [])
            if spec.stop_loss.kind.trailing or self.emulates_stops(order.account):
                self._trailing.setdefault(order.symbol, set()).add(order.order_id)
            return
        list_id = role_of(order)[0]
        if list_id:
            members = self._members.setdefault(list_id, [])
            if order.order_id not in members:
                members.append(order.order_id)

    def _order(self, order_id: str) -> Order:
        order = self._engine.order(order_id)
        assert order is not None, order_id
        return order

    def _orders(self, list_id: str) -> list[Order]:
        return [self._order(i) for i in self._members[list_id]]

    def _mark(self, list_id: str) -> None:
        self._dirty.add(list_id)
        if list_id not in self._tasks:
            task = asyncio.get_running_loop().create_task(self._converge(list_id))
            self._tasks[list_id] = task

    async def _converge(self, list_id: str) -> None:
        try:
            for _ in range(MAX_ROUNDS):
                if list_id not in self._dirty:
                    return
                self._dirty.discard(list_id)
                for step in _steps(self._plan(list_id)):
                    await asyncio.gather(*(self._act(list_id, a) for a in step))
            log.error("event=bracket_not_settling list_id=%s rounds=%d", list_id, MAX_ROUNDS)
        finally:
            del self._tasks[list_id]

    def _plan(self, list_id: str) -> list[Action | ListAction]:
        entry = self._engine.order(list_id)
        if entry is not None and list_id in self._engine.state.ended_lists:
            self._trailing.get(entry.symbol, set()).discard(list_id)  # ended: only cancels
            working = (o for o in (entry, *self._orders(list_id)) if o.is_open)
            return [Cancel(o.order_id) for o in working if o.state is not _CANCELING]
        kind, terms = ("", {}) if entry is None else kind_of(entry.tags)
        if entry is not None and kind:
            legs = {1: entry} | {int(role_of(m)[1][4:]): m for m in self._orders(list_id)}
            first = self._engine.state.orders.submitted[list_id].quantity
            original = {1: first} | {n: leg.quantity for n, leg in terms.items()}
            places = self._engine.universe.symbols[entry.symbol].quantity_precision
            return list(plan_list(kind, legs, original, terms, places))
        spec = None if entry is None else spec_of(entry.tags)
        if entry is None or spec is None:
            return []
        if entry_still_filling(entry):
            return []
        sym = self._engine.universe.symbols[entry.symbol]
        members = self._orders(list_id)
        venue = self._engine.venues.get(entry.account)
        if self.get(list_id).state != "ACTIVE":
            self._trailing.get(entry.symbol, set()).discard(list_id)
        return list(
            plan(
                entry,
                members,
                spec,
                price_places=sym.price_precision,
                quantity_places=sym.quantity_precision,
                mark=self.mark_of(entry.symbol),
                emulate_stop=self._stop_held(entry, spec, members),
                held_stop=self._engine.state.held_stops.get(list_id),
                rung_ocos=rung_ocos_fit(venue, spec, members, self._algo_room(entry, spec)),
            )
        )

    def emulates_stops(self, account: str) -> bool:
        """True where a stop cannot rest beside a take-profit: spot venues, whose resting
        sells each hold the balance they sell (the stop then lives in fillgate)."""
        return holds_balance(self._engine.venues[account])

    def stop_emulated(
        self,
        account: str,
        spec: BracketSpec,
        members: Sequence[Order] = (),
        algo_room: int | None = None,
    ) -> bool:
        """True when fillgate holds this bracket's stop (see :mod:`.native_oco`)."""
        return stop_emulated(self._engine.venues.get(account), spec, members, algo_room)

    def _stop_held(self, entry: Order, spec: BracketSpec, members: Sequence[Order]) -> bool:
        return self.stop_emulated(entry.account, spec, members, self._algo_room(entry, spec))

    def _algo_room(self, entry: Order, spec: BracketSpec) -> int | None:
        """The stops the venue still takes on the entry's symbol (see :func:`algo_room`)."""
        if len(spec.take_profits) < 2:
            return None  # only a ladder's fit depends on it
        return algo_room(
            self._engine.venues.get(entry.account),
            spec,
            entry.symbol,
            lambda: self._engine.open_orders_of(entry.account),
            {entry.order_id, *self._members.get(entry.order_id, ())},
        )

    def mark_of(self, symbol: str) -> Decimal:
        """The one price trailing and emulated stops follow: the symbol's current mark.

        That is the live mark when quotes drive it (mid, or last), else the
        reference price; after a restart, the last journaled mark.
        """
        return self._engine.mark(symbol).mark

    async def _act(self, list_id: str, action: Action | ListAction) -> None:
        engine = self._engine
        try:
            if isinstance(action, Submit):
                await engine.submit(self._member(list_id, action))
            elif isinstance(action, PlaceLeg):
                await engine.submit(self._leg(list_id, action))
            elif isinstance(action, Resize | CutLeg):
                ref = OrderRef(order_id=action.order_id)
                await engine.replace(ReplaceOrder(ref=ref, quantity=action.quantity))
            elif isinstance(action, Cancel | CancelLeg):
                await engine.cancel(CancelOrder(ref=OrderRef(order_id=action.order_id)))
            elif isinstance(action, HoldStop):  # journaled: a restart resumes from it
                now = engine.clock.now_ns()
                engine.emit(
                    ev.HeldStopMoved(list_id=list_id, stop_price=action.stop_price, ts_ns=now)
                )
            elif isinstance(action, Trail):
                ref = OrderRef(order_id=action.order_id)
                await engine.replace(
                    ReplaceOrder(
                        ref=ref, stop_price=action.stop_price, limit_price=action.limit_price
                    )
                )
        except FillgateError as exc:
            log.error(
                "event=bracket_action_refused list_id=%s action=%s reason=%s detail=%r",
                list_id,
                type(action).__name__,
                exc.reason,
                exc.message,
            )

    async def submit_list(self, kind: str, first: SubmitOrder, legs: list[Leg]) -> OrderList:
        """Place an OCO or OUO list: its first leg now, the others as the plan says."""
        venue = self._engine.venues.get(first.account)
        held = self._engine.book.quantity(first.account, first.symbol)
        native = list_oco_fits(venue, kind, first, legs, held)
        pair = ((NATIVE, OCO),) if native else ()
        check_list(kind, first, legs, len(pair), self._engine.universe)
        tagged = replace(first, tags=(*first.tags, *list_tags(kind, legs), *pair))
        list_id = (await self._engine.submit(tagged)).order.order_id
        if native:  # the venue pairs the two as they arrive: send the second leg at once
            await self._act(list_id, PlaceLeg(2, legs[0], legs[0].quantity))
        await self.settle(list_id)
        await self._engine.durable()
        return self.get(list_id)

    def _member(self, list_id: str, action: Submit) -> SubmitOrder:
        entry = self._order(list_id)
        members = self._orders(list_id)
        venue = self._engine.venues.get(entry.account)
        spec = spec_of(entry.tags)
        room = None if spec is None else self._algo_room(entry, spec)
        native = native_tags(venue, spec, action, members, entry.tags, room)
        return member_order(list_id, action, entry, members, native)

    def _leg(self, list_id: str, action: PlaceLeg) -> SubmitOrder:
        version = leg_version(self._orders(list_id), action.number)
        return leg_order(list_id, action, self._order(list_id), version)
