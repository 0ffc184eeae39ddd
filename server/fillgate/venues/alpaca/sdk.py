"""The alpaca-py trading names this package uses, imported once with one known warning silenced.

alpaca-py's ``alpaca.trading`` package imports its stream module, which
imports ``websockets.legacy`` (deprecated since websockets 14, still what
alpaca-py 0.44 uses): that one DeprecationWarning is silenced here, at the
first import, so ``python -W error`` still works for everything else. Every
module of this package takes alpaca-py's trading names from here.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="websockets.legacy is deprecated", category=DeprecationWarning
    )
    from alpaca.trading.client import TradingClient
    from alpaca.trading.enums import OrderClass, OrderSide, QueryOrderStatus
    from alpaca.trading.enums import TimeInForce as AlpacaTimeInForce
    from alpaca.trading.requests import (
        GetCalendarRequest,
        GetOrdersRequest,
        LimitOrderRequest,
        MarketOrderRequest,
        ReplaceOrderRequest,
        StopLimitOrderRequest,
        StopLossRequest,
        StopOrderRequest,
        TakeProfitRequest,
    )
    from alpaca.trading.stream import TradingStream

__all__ = [
    "AlpacaTimeInForce",
    "GetCalendarRequest",
    "GetOrdersRequest",
    "LimitOrderRequest",
    "MarketOrderRequest",
    "OrderClass",
    "OrderSide",
    "QueryOrderStatus",
    "ReplaceOrderRequest",
    "StopLimitOrderRequest",
    "StopLossRequest",
    "StopOrderRequest",
    "TakeProfitRequest",
    "TradingClient",
    "TradingStream",
]
