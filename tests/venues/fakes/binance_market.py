"""The fake Binance's one market, BTCUSDT, and its ``exchangeInfo`` entry."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class Market:
    symbol: str  # Binance id, e.g. "BTCUSDT"
    base: str
    quote: str
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    min_notional: Decimal
    #: ``MAX_NUM_ALGO_ORDERS``: stop and take-profit orders open on the symbol at once
    #: (an OCO's stop leg counts; Binance spot's usual value is 5).
    max_algo: int = 5


BTCUSDT = Market(
    symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    tick=Decimal("0.01"),
    step=Decimal("0.00001"),
    min_qty=Decimal("0.00001"),
    min_notional=Decimal("5"),
)

_RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
]
#: Every order type Binance spot lists; the fake executes MARKET, LIMIT, STOP_LOSS(_LIMIT).
_ORDER_TYPES = [
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
]


def _symbol_json(m: Market) -> dict[str, Any]:
    """A realistic ``symbols[]`` entry: ccxt needs orderTypes, status and the filters."""
    return {
        "symbol": m.symbol,
        "status": "TRADING",
        "baseAsset": m.base,
        "baseAssetPrecision": 8,
        "quoteAsset": m.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": _ORDER_TYPES,
        "icebergAllowed": True,
        "ocoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": f"{m.tick:.8f}",
                "maxPrice": "1000000.00000000",
                "tickSize": f"{m.tick:.8f}",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": f"{m.min_qty:.8f}",
                "maxQty": "9000.00000000",
                "stepSize": f"{m.step:.8f}",
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": f"{m.min_notional:.8f}",
                "applyMinToMarket": True,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": m.max_algo},
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
    }


def exchange_info(markets: list[Market]) -> dict[str, Any]:
    """The ``GET /api/v3/exchangeInfo`` body."""
    return {
        "timezone": "UTC",
        "serverTime": now_ms(),
        "rateLimits": _RATE_LIMITS,
        "exchangeFilters": [],
        "symbols": [_symbol_json(m) for m in markets],
    }
