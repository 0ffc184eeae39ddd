"""Domain enums. Their numbers equal the contract's enum numbers, so conversion is a cast."""

from __future__ import annotations

from enum import IntEnum


class Side(IntEnum):
    BUY = 1
    SELL = 2


class OrderType(IntEnum):
    MARKET = 1
    LIMIT = 2
    STOP = 3
    STOP_LIMIT = 4

    @property
    def needs_limit(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.STOP_LIMIT)

    @property
    def needs_stop(self) -> bool:
        return self in (OrderType.STOP, OrderType.STOP_LIMIT)


class TimeInForce(IntEnum):
    GTC = 1
    IOC = 2
    FOK = 3
    DAY = 4


class OrderState(IntEnum):
    PENDING_NEW = 1
    NEW = 2
    PARTIALLY_FILLED = 3
    FILLED = 4
    PENDING_CANCEL = 5
    PENDING_REPLACE = 6
    CANCELED = 7
    REJECTED = 8
    EXPIRED = 9
    #: Held by fillgate while its market is closed; released to the venue at the open.
    QUEUED = 20

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset(
    {OrderState.FILLED, OrderState.CANCELED, OrderState.REJECTED, OrderState.EXPIRED}
)


class ExecType(IntEnum):
    PENDING_NEW = 1
    NEW = 2
    TRADE = 3
    PENDING_CANCEL = 4
    CANCELED = 5
    PENDING_REPLACE = 6
    REPLACED = 7
    REJECTED = 8
    EXPIRED = 9
    TRIGGERED = 10
    CANCEL_REJECTED = 11
    REPLACE_REJECTED = 12
    QUEUED = 30
    RELEASED = 31


class SessionPhase(IntEnum):
    """Where a market is in its trading day (the contract's SessionPhase)."""

    CLOSED = 1
    PRE_MARKET = 2
    REGULAR = 3
    POST_MARKET = 4


class TradingMode(IntEnum):
    """Ordered by strictness: a larger value is stricter."""

    ACTIVE = 1
    REDUCING = 2
    HALTED = 3


class HaltScope(IntEnum):
    ALL = 1
    ACCOUNT = 2
    SYMBOL = 3
    STRATEGY = 4


class Breaker(IntEnum):
    """Circuit breakers (the contract's BreakerKind)."""

    DAILY_LOSS = 1
    DRAWDOWN = 2
    REJECTION_RATE = 3
    SLIPPAGE = 4


class BreakerState(IntEnum):
    ARMED = 1
    TRIPPED = 2
    DISABLED = 3


class PositionLifecycle(IntEnum):
    """What a fill did to its position (the numbers of the proto enum)."""

    OPENED = 1  # from flat
    INCREASED = 2  # same side, larger
    REDUCED = 3  # same side, smaller, not flat
    CLOSED = 4  # to flat
    REVERSED = 5  # through flat to the other side


class AlertKind(IntEnum):
    """What an operator alert is about (the contract's AlertKind)."""

    SLIPPAGE = 1
    RECONCILE_FAILED = 2
    BREAKER_TRIPPED = 3
    AUTH_FAILURES = 4
    JOURNAL_FSYNC_SLOW = 5
    VENUE_DISCONNECTED = 6
    DATA_STALE = 7
    DATA_RESUMED = 8
    PROTECTION_FAILED = 9
