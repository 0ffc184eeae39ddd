"""What every fake venue offers the conformance suite (tests/venues/test_conformance.py).

A fake is a real server on 127.0.0.1 (ephemeral ports) that speaks the venue's
REST and stream protocol closely enough that the real SDK (ccxt, oandapyV20,
alpaca-py) works against it unmodified. Its controls are plain Python methods,
called from the test's own event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class FakeOrder:
    """An order as the fake venue holds it."""

    client_id: str
    venue_order_id: str
    symbol: str  # the venue's symbol
    side: str  # "buy" | "sell"
    quantity: Decimal
    filled: Decimal
    status: str  # the venue's own status word


class FakeVenue(Protocol):
    #: The [accounts.X] venue value: "ccxt", "oanda", "alpaca" (or "paper").
    venue: str
    #: Our symbol the conformance suite trades, e.g. "BTC-USD", "EUR-USD", "AAPL".
    symbol: str
    #: The fillgate [symbols.X] table for ``symbol`` (reference_price, precisions).
    symbol_table: dict[str, Any]
    #: A valid order size for ``symbol``.
    quantity: Decimal
    #: The market price at start (market orders fill here until set_price).
    price: Decimal

    async def start(self) -> None:
        """Bind the fake's servers to ephemeral ports on 127.0.0.1."""

    async def stop(self) -> None: ...

    def account_table(self) -> dict[str, Any]:
        """The [accounts.X] body that points a fillgate account at this fake.

        Includes venue, api_url/stream_url, credential env var names, the
        symbol mapping and fast test settings (short poll/resolve intervals).
        """
        ...

    def environment(self) -> dict[str, str]:
        """Environment variables holding the credentials the account table names."""
        ...

    def set_price(self, price: Decimal) -> None:
        """Move the market price: later market orders fill at it."""

    def fill(self, client_id: str, quantity: Decimal, price: Decimal | None = None) -> None:
        """Trade ``quantity`` of a resting order (partial or full) and push its stream events."""

    def reject_next_order(self) -> None:
        """Refuse the next new order the venue's way (insufficient funds/margin/buying power)."""

    def lose_next_order_response(self) -> None:
        """Create the next new order as usual (it exists, may fill), then answer 503.

        The client cannot know whether the order exists: the unknown outcome.
        """

    async def drop_streams(self, refuse_s: float = 0.5) -> None:
        """Close every stream connection and refuse new ones for ``refuse_s`` seconds.

        Events that happen meanwhile are not delivered later (a real gap).
        """

    def set_position(self, quantity: Decimal) -> None:
        """Change the venue's position (spot: base balance) in ``symbol`` outside fillgate."""

    def orders(self) -> list[FakeOrder]:
        """Every order ever placed at the fake, in arrival order."""
        ...
