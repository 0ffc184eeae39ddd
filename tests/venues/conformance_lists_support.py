"""The contingency scenarios' shared steps (test_conformance_lists.py): lists of
resting limit legs, brackets, and what the venue holds for them.

List legs are limit orders that rest (sells above the market, buys below).
Exit lists sell from a long position as big as all their legs together: on a
spot venue (Binance) each resting sell locks the coins it sells, so that is
what lets every leg rest at once there.
"""

from __future__ import annotations

from decimal import Decimal

from conformance_support import ACCOUNT, Venue, eventually

from fillgate.contingent.order_list import Leg
from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order

OPEN = (OrderState.NEW, OrderState.PARTIALLY_FILLED)
#: How the venue ends a leg it no longer works (Binance expires a native OCO's other leg).
ENDED = (OrderState.CANCELED, OrderState.EXPIRED)


def leg(venue: Venue, side: Side, factor: str, quantity: Decimal | None = None) -> Leg:
    """A GTC limit leg at the start price times ``factor``."""
    return Leg(
        side,
        OrderType.LIMIT,
        quantity or venue.fake.quantity,
        TimeInForce.GTC,
        limit_price=venue.price_at(factor),
    )


async def submit_list(
    venue: Venue, kind: str, client_order_id: str, first: Leg, *others: Leg
) -> str:
    command = SubmitOrder(
        account=ACCOUNT,
        symbol=venue.fake.symbol,
        side=first.side,
        quantity=first.quantity,
        type=first.type,
        time_in_force=first.time_in_force,
        client_order_id=client_order_id,
        limit_price=first.limit_price,
    )
    return (await venue.parts.brackets.submit_list(kind, command, list(others))).list_id


def legs(venue: Venue, list_id: str) -> dict[int, Order]:
    found = venue.parts.brackets.get(list_id)
    return {1: found.entry} | {int(role_of(m)[1][4:]): m for m in found.members}


async def go_long(venue: Venue, client_order_id: str, quantity: Decimal) -> None:
    order = await venue.submit(client_order_id, quantity=quantity)
    await venue.until(order.order_id, OrderState.FILLED)


async def exit_list(venue: Venue, kind: str, client_order_id: str) -> tuple[str, Order, Order]:
    """A list of two resting sells of the venue's quantity, from a long position of both."""
    quantity = venue.fake.quantity
    await go_long(venue, f"{client_order_id}-pos", quantity * 2)
    list_id = await submit_list(
        venue,
        kind,
        client_order_id,
        leg(venue, Side.SELL, "1.05"),
        leg(venue, Side.SELL, "1.06"),
    )
    await eventually(lambda: 2 in legs(venue, list_id))
    first, second = (legs(venue, list_id)[n] for n in (1, 2))
    return (
        list_id,
        await venue.until(first.order_id, OrderState.NEW),
        await venue.until(second.order_id, OrderState.NEW),
    )


def fill(venue: Venue, order: Order, quantity: Decimal) -> None:
    """The venue trades ``quantity`` of ``order`` (as fillgate knows it now) at its limit."""
    current = venue.order(order.order_id)
    assert current.limit_price is not None
    venue.fake.fill(venue.venue_id(current), quantity, current.limit_price)


def at_venue(venue: Venue, order: Order) -> Decimal:
    """The quantity the venue holds for ``order`` as fillgate knows it now."""
    vid = venue.venue_id(venue.order(order.order_id))
    (found,) = [o for o in venue.fake.orders() if o.client_id == vid]
    return found.quantity


async def oto(venue: Venue, client_order_id: str) -> str:
    """Buy the venue's quantity below the market, then sell what filled above it."""
    list_id = await submit_list(
        venue,
        "oto",
        client_order_id,
        leg(venue, Side.BUY, "0.9"),
        leg(venue, Side.SELL, "1.05"),
    )
    await venue.until(list_id, OrderState.NEW)
    return list_id


SPEC = BracketSpec(
    Exit(ExitKind.PERCENT, Decimal(5)),
    (TakeProfit(Exit(ExitKind.PERCENT, Decimal(5)), fraction=Decimal(1)),),
)


async def bracket(venue: Venue, client_order_id: str, limit: Decimal | None = None) -> str:
    entry = SubmitOrder(
        account=ACCOUNT,
        symbol=venue.fake.symbol,
        side=Side.BUY,
        quantity=venue.fake.quantity,
        type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        client_order_id=client_order_id,
        limit_price=limit,
    )
    return (await venue.parts.brackets.submit(entry, SPEC)).list_id


def working(venue: Venue, list_id: str, role: str) -> Order | None:
    """The bracket's newest member in ``role`` (a resize may place a member again)."""
    members = venue.parts.brackets.get(list_id).members
    return next((m for m in reversed(members) if role_of(m)[1] == role), None)


def protection(venue: Venue, list_id: str) -> dict[str, Decimal]:
    """Role -> quantity of the bracket's working members."""
    members = venue.parts.brackets.get(list_id).members
    return {role_of(m)[1]: m.quantity for m in members if m.state in OPEN}


def roles(venue: Venue) -> set[str]:
    """The members a bracket of SPEC rests: no stop where fillgate holds it."""
    held = venue.parts.brackets.stop_emulated(ACCOUNT, SPEC)
    return {"tp.1"} if held else {"sl", "tp.1"}


async def protected(venue: Venue, list_id: str, quantity: Decimal) -> dict[str, Decimal]:
    """Wait until every member rests for ``quantity``."""
    want = dict.fromkeys(roles(venue), quantity)
    await eventually(lambda: protection(venue, list_id) == want)
    await venue.parts.brackets.settle()
    return protection(venue, list_id)


async def armed(venue: Venue, client_order_id: str) -> tuple[str, Order]:
    list_id = await bracket(venue, client_order_id)
    await venue.until(list_id, OrderState.FILLED)
    await protected(venue, list_id, venue.fake.quantity)
    target = working(venue, list_id, "tp.1")
    assert target is not None
    return list_id, target
