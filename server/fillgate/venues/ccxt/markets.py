"""A ccxt market (after ``load_markets``) as our :class:`~fillgate.venues.types.Instrument`.

Binance states its rules as symbol filters in ``exchangeInfo`` (``info.filters``):
``PRICE_FILTER.tickSize``, ``LOT_SIZE.stepSize`` / ``minQty``, and
``MAX_NUM_ALGO_ORDERS.maxNumAlgoOrders`` (how many stop and take-profit orders may be
open on the symbol at once: the room a ladder's rung OCOs need, see
``engine/native_oco.py``). They are read as the exact strings Binance sent. Another
exchange's increments come from ccxt's ``precision`` (in its own precision mode) and
its minimum amount from ``limits``; it states no algo order limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ccxt.base.decimal_to_precision import TICK_SIZE
from ccxt.base.errors import NotSupported

from fillgate.venues.ccxt import translate
from fillgate.venues.types import Instrument


def instrument(exchange: Any, symbol: str, venue_symbol: str) -> Instrument:
    """Our ``symbol``'s instrument, from the loaded market ``venue_symbol``."""
    market = exchange.market(venue_symbol)  # BadSymbol when the map is wrong
    info = market.get("info") or {}
    filters = {f.get("filterType"): f for f in info.get("filters") or ()}
    tick = filters.get("PRICE_FILTER", {}).get("tickSize")
    lot = filters.get("LOT_SIZE", {})
    algo = filters.get("MAX_NUM_ALGO_ORDERS", {}).get("maxNumAlgoOrders")
    return Instrument(
        symbol=symbol,
        venue_symbol=venue_symbol,
        price_increment=translate.dec(tick) if tick else _increment(exchange, market, "price"),
        quantity_increment=(
            translate.dec(lot["stepSize"])
            if "stepSize" in lot
            else _increment(exchange, market, "amount")
        ),
        min_quantity=translate.dec(lot.get("minQty") or _min_amount(exchange, market)),
        # Binance's symbol status (TRADING, HALT, BREAK); ccxt's active flag elsewhere.
        trading=info.get("status", "TRADING") == "TRADING" and market.get("active") is not False,
        max_algo_orders=None if algo is None else int(algo),
    )


def _increment(exchange: Any, market: Mapping[str, Any], key: str) -> Decimal:
    """Another exchange's increment, from ccxt's precision (its own string form)."""
    value = (market.get("precision") or {}).get(key)
    if value is None:
        raise NotSupported(f"ccxt:{exchange.id}: {market.get('symbol')} has no {key} precision")
    if exchange.precisionMode == TICK_SIZE:
        return translate.dec(exchange.number_to_string(value))
    return Decimal(1).scaleb(-int(value))


def _min_amount(exchange: Any, market: Mapping[str, Any]) -> str:
    amount = ((market.get("limits") or {}).get("amount") or {}).get("min")
    return "0" if amount is None else str(exchange.number_to_string(amount))
