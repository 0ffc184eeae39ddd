"""The alpaca-py trading and market data names this package uses, imported once.

alpaca-py's ``alpaca.trading`` and ``alpaca.data`` packages import their
stream modules, which import ``websockets.legacy`` (deprecated since
websockets 14, still what alpaca-py 0.44 uses): that one DeprecationWarning
is silenced here, at the first import, so ``python -W error`` still works for
everything else. Every module of this package takes alpaca-py's names from here.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="websockets.legacy is deprecated", category=DeprecationWarning
    )
    from alpaca.data.enums import DataFeed
    from alpaca.data.historical.crypto import CryptoHistoricalDataClient
    from alpaca.data.historical.stock import StockHistoricalDataClient
    from alpaca.data.live.crypto import CryptoDataStream
    from alpaca.data.live.stock import StockDataStream
    from alpaca.data.requests import CryptoLatestQuoteRequest, StockLatestQuoteRequest
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
        TrailingStopOrderRequest,
    )
    from alpaca.trading.stream import TradingStream

__all__ = [
    "AlpacaTimeInForce",
    "CryptoDataStream",
    "CryptoHistoricalDataClient",
    "CryptoLatestQuoteRequest",
    "DataFeed",
    "GetCalendarRequest",
    "GetOrdersRequest",
    "LimitOrderRequest",
    "MarketOrderRequest",
    "OrderClass",
    "OrderSide",
    "QueryOrderStatus",
    "ReplaceOrderRequest",
    "StockDataStream",
    "StockHistoricalDataClient",
    "StockLatestQuoteRequest",
    "StopLimitOrderRequest",
    "StopLossRequest",
    "StopOrderRequest",
    "TakeProfitRequest",
    "TradingClient",
    "TradingStream",
    "TrailingStopOrderRequest",
]
