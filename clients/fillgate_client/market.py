"""Typed results of ``SessionService.GetMarketStatus`` and their conversion from protobuf."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._convert import _enum, _time
from ._pb import _load
from .types import SessionPhase

session_svc_pb: Any = _load("session_service_pb2")
session_grpc: Any = _load("session_service_pb2_grpc")


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketStatus:
    """One symbol's market when the server answered."""

    symbol: str
    calendar: str
    """``24/7``, ``FX``, or an exchange code such as ``XNYS``."""
    timezone: str
    """The IANA zone the market's times are shown in."""
    phase: SessionPhase
    is_open: bool
    """True in the regular session (always, for a 24/7 market)."""
    next_open: datetime | None
    """The next regular open in UTC; None for a market that never closes."""
    next_close: datetime | None
    next_open_local: str
    """``next_open`` in the market's zone, ISO 8601 with its offset."""
    next_close_local: str
    extended_hours: bool
    closed_policy: str


def get_market_status_request(symbols: Iterable[str] | str) -> Any:
    """Build a ``GetMarketStatusRequest`` (a lone string is one symbol)."""
    items = [symbols] if isinstance(symbols, str) else list(symbols)
    return session_svc_pb.GetMarketStatusRequest(symbols=items)


def market_status_from_proto(m: Any) -> MarketStatus:
    return MarketStatus(
        symbol=m.symbol,
        calendar=m.calendar,
        timezone=m.timezone,
        phase=_enum(SessionPhase, m.phase),
        is_open=m.is_open,
        next_open=_time(m, "next_open"),
        next_close=_time(m, "next_close"),
        next_open_local=m.next_open_local,
        next_close_local=m.next_close_local,
        extended_hours=m.extended_hours,
        closed_policy=m.closed_policy,
    )
