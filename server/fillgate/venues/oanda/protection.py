"""Venue-held protection at OANDA: a bracket's stop-loss and take-profit ON its trade.

OANDA holds at most one STOP_LOSS and one TAKE_PROFIT per trade; each closes
the whole trade, and when the trade closes OANDA cancels the other
(LINKED_TRADE_CLOSED): an OCO that works while fillgate is down. The runtime's
native-OCO hook (:mod:`fillgate.venues.runtime.oco`) calls :func:`place_oco`
with the entry's client id; the pair goes on the trade only when that entry's
fill opened the trade, the trade is still open, has no such orders yet and its
current units are the pair's quantity. Otherwise the answer is None and the
runtime places the two as ordinary orders (emulated OCO), so a position is
never left without its stop. Both members keep their own client ids
(clientExtensions), so a restart finds each by client id like any order.

A stop the venue trails (``stop.trail_amount``, a member tagged ``ct.trail``)
goes on the trade as a TRAILING_STOP_LOSS with that ``distance``: OANDA moves
it behind the price (``trailingStopValue``), closes the trade when the price
comes back to it and cancels the take-profit, all without fillgate. When the
pair does not fit, the runtime rejects such a stop (the bracket then places a
plain stop that fillgate moves), never placing it untrailed under its tag.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import oandapyV20.endpoints.orders as orders
import oandapyV20.endpoints.trades as trades

from fillgate.domain.enums import Side
from fillgate.venues.errors import ErrorKind, VenueFailure
from fillgate.venues.oanda import translate
from fillgate.venues.oanda.translate import Json, dec
from fillgate.venues.types import PlaceRequest, VenueOrder, VenueReport, VenueStatus

if TYPE_CHECKING:
    from fillgate.venues.oanda.driver import OandaDriver

log = logging.getLogger("fillgate.venues.oanda")

#: The orders a trade holds at most one of each; the pair goes only on a trade without any.
_ON_TRADE = ("takeProfitOrder", "stopLossOrder", "trailingStopLossOrder")


async def _trade_of(driver: OandaDriver, opened_by: str) -> str:
    """The id of the trade the entry ``opened_by`` opened: from its fill, else its details."""
    tracker = driver.tracker
    found = tracker.trade_opened_by(opened_by)
    if found or not opened_by:
        return found
    try:
        answer = await driver.request(orders.OrderDetails(driver.venue_account, "@" + opened_by))
    except Exception as exc:
        if driver.classify(exc).kind is ErrorKind.NOT_FOUND:
            return ""
        raise
    data = answer.get("order") or {}
    return str(data.get("tradeOpenedID") or "")


async def read_trade(driver: OandaDriver, trade_id: str) -> dict[str, object] | None:
    """``/trades/{id}``, remembered by the tracker; None when OANDA does not know it."""
    try:
        answer = await driver.request(trades.TradeDetails(driver.venue_account, trade_id))
    except Exception as exc:
        if driver.classify(exc).kind is ErrorKind.NOT_FOUND:
            return None
        raise
    trade = answer.get("trade")
    if not isinstance(trade, dict):
        return None
    units = dec(trade["currentUnits"] if trade.get("state") == "OPEN" else trade["initialUnits"])
    driver.tracker.learn_trade(trade_id, driver.symbol_map.ours(trade["instrument"]), units)
    return trade


async def order_report(driver: OandaDriver, data: Json) -> VenueReport | None:
    """The report of an order from its details (see ``OrderTracker.order_from_details``);
    one on a trade the driver has not seen yet reads the trade first."""
    report = driver.tracker.order_from_details(data)
    if report is None and data.get("tradeID"):
        await read_trade(driver, str(data["tradeID"]))
        report = driver.tracker.order_from_details(data)
    return report


async def place_oco(
    driver: OandaDriver, take_profit: PlaceRequest, stop: PlaceRequest, opened_by: str
) -> tuple[VenueReport, VenueOrder | None] | None:
    """Place the stop, then the take-profit, on the trade ``opened_by`` opened; None if it
    does not qualify (the caller then places both as ordinary orders)."""
    assert take_profit.limit_price is not None and stop.stop_price is not None
    trade_id = await _trade_of(driver, opened_by)
    trade = await read_trade(driver, trade_id) if trade_id else None
    if trade is None or not _fits(trade, take_profit, stop):
        log.info(
            "event=oanda_protection_emulated client_id=%s trade_id=%s",
            take_profit.client_id,
            trade_id or "-",
        )
        return None
    if stop.trail_amount is not None:  # OANDA trails it from the price as it moves
        body = translate.trailing_body(trade_id, stop.trail_amount, stop.client_id)
    else:
        body = translate.dependent_body("STOP_LOSS", trade_id, stop.stop_price, stop.client_id)
    try:
        placed = await _create(driver, body, stop.client_id)
    except Exception as exc:
        if driver.classify(exc).kind is not ErrorKind.REJECTED:
            raise
        placed = None
    if placed is None or placed.order is None:  # refused on the trade: as separate orders
        log.warning("event=oanda_stop_loss_not_placed client_id=%s", stop.client_id)
        return None
    leg = placed.order
    body = translate.dependent_body(
        "TAKE_PROFIT", trade_id, take_profit.limit_price, take_profit.client_id
    )
    try:
        report = await _create(driver, body, take_profit.client_id)
        reason = "UNKNOWN_OUTCOME_NOT_PLACED: OANDA has no such take-profit"
    except Exception as exc:
        report, reason = None, driver.classify(exc).message
    if report is None:  # the stop is on the trade, the position protected: only the TP failed
        return VenueReport(order=_refused(take_profit, reason)), leg
    return report, leg


async def _create(driver: OandaDriver, body: Json, client_id: str) -> VenueReport | None:
    """POST the order; after an unknown outcome, what OANDA has under ``client_id``
    (None: not placed). Other failures raise, classified."""
    try:
        answer = await driver.request(orders.OrderCreate(driver.venue_account, data=body))
    except Exception as exc:
        if driver.classify(exc).kind is not ErrorKind.UNKNOWN_OUTCOME:
            raise
        return await driver.fetch_order("", client_id)
    return driver.tracker.answer_report(answer)


def _refused(request: PlaceRequest, reason: str) -> VenueOrder:
    return VenueOrder(
        client_id=request.client_id,
        venue_order_id="",
        symbol=request.symbol,
        side=request.side,
        status=VenueStatus.REJECTED,
        quantity=request.quantity,
        limit_price=request.limit_price,
        reason=reason,
    )


def _fits(trade: dict[str, object], take_profit: PlaceRequest, stop: PlaceRequest) -> bool:
    """One open trade, no TP/SL on it yet, its units the pair's quantity on the other side."""
    return (
        _stop_fits(trade, stop)
        and take_profit.quantity == stop.quantity
        and take_profit.side is stop.side
    )


def _stop_fits(trade: dict[str, object], stop: PlaceRequest) -> bool:
    """An open trade without orders on it yet, its units the stop's quantity, other side."""
    if trade.get("state") != "OPEN" or any(trade.get(key) for key in _ON_TRADE):
        return False
    held = stop.quantity if stop.side is Side.SELL else -stop.quantity
    return dec(trade["currentUnits"]) == held


async def place_trailing(
    driver: OandaDriver, stop: PlaceRequest, opened_by: str
) -> VenueReport | None:
    """Place a venue-trailed stop alone (a bracket without take-profit) as a
    TRAILING_STOP_LOSS on the trade ``opened_by`` opened; None when that trade cannot
    hold it or OANDA refuses it (the runtime then rejects it: the bracket falls back)."""
    assert stop.trail_amount is not None
    trade_id = await _trade_of(driver, opened_by)
    trade = await read_trade(driver, trade_id) if trade_id else None
    if trade is None or not _stop_fits(trade, stop):
        log.info("event=oanda_trail_not_on_trade client_id=%s", stop.client_id)
        return None
    body = translate.trailing_body(trade_id, stop.trail_amount, stop.client_id)
    try:
        placed = await _create(driver, body, stop.client_id)
    except Exception as exc:
        if driver.classify(exc).kind is not ErrorKind.REJECTED:
            raise
        log.warning("event=oanda_trailing_stop_refused client_id=%s", stop.client_id)
        return None
    return placed if placed is not None and placed.order is not None else None


async def oco_leg(driver: OandaDriver, venue_order_id: str) -> VenueOrder | None:
    """The stop-loss on the trade of take-profit ``venue_order_id`` (None when none)."""
    answer = await driver.request(orders.OrderDetails(driver.venue_account, venue_order_id))
    trade_id = str((answer.get("order") or {}).get("tradeID") or "")
    trade = await read_trade(driver, trade_id) if trade_id else None
    stop_loss = (
        (trade.get("stopLossOrder") or trade.get("trailingStopLossOrder")) if trade else None
    )
    if not isinstance(stop_loss, dict):
        return None
    report = driver.tracker.order_from_details(stop_loss)
    if report is None or report.order is None:
        raise VenueFailure(ErrorKind.UNKNOWN_OUTCOME, "oanda: unreadable stop-loss on the trade")
    return report.order


async def entry_leg(driver: OandaDriver, member: PlaceRequest, opened_by: str) -> VenueOrder | None:
    """The order OANDA created on the entry's trade when it filled (``*OnFill``), under the
    member's client id; None when there is none.

    One that does not fit the member (the trade is not the whole entry: the entry filled
    in parts, or netted against other trades) is canceled and returned so: the member
    ends as it did and the bracket arms that exit again under a new client id (OANDA
    keeps the used one), the only one. An entry that filled in parts opened a trade per
    fill, each with its own on-fill orders (OANDA leaves our client id on the first
    only): those are canceled too (:func:`_on_fill_of`)."""
    report = await driver.fetch_order(member.symbol, member.client_id)
    order = None if report is None else report.order
    if order is None:
        return None
    if order.quantity == member.quantity and order.side is member.side:
        return order
    log.warning(
        "event=oanda_on_fill_not_bound client_id=%s units=%s member_quantity=%s",
        member.client_id,
        order.quantity,
        member.quantity,
    )
    if not order.status.is_terminal:
        await driver.request(orders.OrderCancel(driver.venue_account, order.venue_order_id))
    for venue_order_id in await _on_fill_of(driver, opened_by, order.venue_order_id):
        log.warning("event=oanda_on_fill_canceled venue_order_id=%s", venue_order_id)
        await driver.request(orders.OrderCancel(driver.venue_account, venue_order_id))
    report = await driver.fetch_order(member.symbol, member.client_id)
    ended = None if report is None else report.order
    return ended if ended is not None and ended.status.is_terminal else None


async def _on_fill_of(driver: OandaDriver, opened_by: str, known: str) -> list[str]:
    """The ids of the orders still pending on the OTHER trades the entry ``opened_by``
    opened (its later fills' on-fill orders), but ``known``."""
    found: list[str] = []
    for trade_id in driver.tracker.trades_opened_by(opened_by):
        trade = await read_trade(driver, trade_id)
        for key in _ON_TRADE if trade is not None else ():
            dependent = trade.get(key) if trade is not None else None
            if isinstance(dependent, dict) and dependent.get("state", "PENDING") == "PENDING":
                venue_order_id = str(dependent.get("id") or "")
                if venue_order_id and venue_order_id != known:
                    found.append(venue_order_id)
    return found
