"""The driver protocol: one venue SDK's calls, in venue values.

A driver is the only code that touches an SDK. It raises the SDK's own
exceptions; its ``classify`` turns any of them into a :class:`VenueFailure`
(the one mapping per venue). Everything else (retries, rate limiting,
unknown-outcome resolution, de-duplicating fills, stream reconnect and
backfill, reconciliation) lives once in :mod:`fillgate.venues.runtime` and
serves every venue.

| method             | required | notes                                                     |
|--------------------|----------|-----------------------------------------------------------|
| open / close       | yes      | open loads instruments (precision) for the mapped symbols |
| place              | yes      | sends ``PlaceRequest.client_id`` as the venue's client id |
| cancel             | yes      | returns the order's state after the cancel when known     |
| replace            | no       | only when ``native_replace``; else cancel + new, chained  |
| fetch_order        | yes      | by client id; None when the venue does not know it        |
| fetch_open_orders  | yes      | reconciliation                                            |
| fetch_fills        | yes      | reconciliation and backfill after a stream gap            |
| fetch_positions    | yes      | reconciliation (spot: base-asset balances)                |
| fetch_balances     | yes      | reconciliation                                            |
| fetch_account      | no       | cash, equity, buying power, margin (OANDA, Alpaca, ccxt)  |
| fetch_quotes       | no       | best bid/ask of symbols over REST (OANDA ``/pricing``)    |
| quote_stream       | no       | streamed quotes + StreamStatus (OANDA ``/pricing/stream``)|
| stream             | yes      | yields reports; StreamStatus(up=True) after each connect  |

Blocking SDKs (oandapyV20, alpaca-py REST) run every call on the driver's
own single-thread executor (:class:`~fillgate.venues.common.blocking.BlockingCaller`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from fillgate.venues.errors import Secret, VenueFailure
from fillgate.venues.types import (
    Instrument,
    PlaceRequest,
    StreamStatus,
    VenueBalance,
    VenueFill,
    VenueOrder,
    VenuePosition,
    VenueRef,
    VenueReport,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    """A venue's published request limit, as a token bucket."""

    per_second: float
    burst: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientIdRule:
    """What the venue accepts as a client order id."""

    max_length: int
    #: Characters allowed besides ASCII letters and digits.
    extra_chars: str = "-_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """An account's credentials, resolved from environment variables or files."""

    key: Secret = field(default_factory=lambda: Secret(""))
    secret: Secret = field(default_factory=lambda: Secret(""))

    def values(self) -> tuple[str, ...]:
        """The raw values, for :func:`~fillgate.venues.errors.redact` only."""
        return tuple(s.reveal() for s in (self.key, self.secret) if s)


def _no_symbols() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueSettings:
    """How one account reaches its venue (the ``[accounts.NAME]`` table)."""

    account: str
    #: "ccxt", "oanda" or "alpaca".
    venue: str
    #: ccxt only: the exchange id, e.g. "binance".
    exchange: str = ""
    #: ccxt: "live" or "testnet"; oanda: "practice" or "live"; alpaca: "paper" or "live".
    environment: str = ""
    #: Override the REST base URL (tests point this at a fake venue on 127.0.0.1).
    api_url: str = ""
    #: Override the stream URL (OANDA stream host, Alpaca ws URL, Binance ws-api host).
    stream_url: str = ""
    #: Alpaca only: override the market data REST base URL (default https://data.alpaca.markets).
    data_url: str = ""
    #: Alpaca only: override the market data websocket base URL; "/v2/iex" and
    #: "/v1beta3/crypto/us" are appended (default wss://stream.data.alpaca.markets).
    data_stream_url: str = ""
    #: The venue's account id (OANDA "101-004-1234567-001").
    venue_account_id: str = ""
    #: Our symbol -> the venue's symbol. Symbols not listed use the driver's default rule.
    symbols: Mapping[str, str] = field(default_factory=_no_symbols)
    #: Seconds a REST call may take before it counts as timed out.
    timeout_s: float = 10.0
    #: Override the venue's published request rate (0 = use the venue's).
    rate_per_s: float = 0.0
    rate_burst: int = 0
    #: Seconds between reconciliations (0 = only at start).
    reconcile_interval_s: float = 30.0
    #: Seconds between polls while the stream is down.
    poll_interval_s: float = 2.0
    #: Seconds an unknown-outcome submit is queried before it counts as not placed.
    resolve_timeout_s: float = 10.0
    #: Attempts of a retryable call before giving up.
    max_attempts: int = 5
    #: Seconds of the first retry delay; doubles per attempt, full jitter, capped at 5 s.
    backoff_base_s: float = 0.1


class VenueDriver(Protocol):
    """One venue SDK behind fillgate's venue values. See the module table."""

    #: "ccxt", "oanda" or "alpaca" (plus the exchange for ccxt: "ccxt:binance").
    name: str
    native_replace: bool
    limits: RateLimit
    client_ids: ClientIdRule
    #: Secret values to scrub from any text this driver produces.
    secrets: tuple[str, ...]

    def classify(self, exc: BaseException) -> VenueFailure:
        """Map any exception a call raised to a VenueFailure (the one mapping)."""
        ...

    async def open(self) -> Mapping[str, Instrument]:
        """Connect and load the instruments of the mapped symbols, keyed by our symbol."""
        ...

    async def close(self) -> None: ...

    async def place(self, request: PlaceRequest) -> VenueReport: ...

    async def cancel(self, ref: VenueRef) -> VenueReport | None: ...

    async def replace(self, ref: VenueRef, request: PlaceRequest) -> VenueReport:
        """Native replace: ``request.client_id`` is the replacement's (chained) id."""
        ...

    async def fetch_order(self, symbol: str, client_id: str) -> VenueReport | None: ...

    async def fetch_open_orders(self) -> list[VenueOrder]: ...

    async def fetch_fills(self, since_ns: int) -> list[VenueFill]: ...

    async def fetch_positions(self) -> list[VenuePosition]: ...

    async def fetch_balances(self) -> list[VenueBalance]: ...

    def stream(self) -> AsyncIterator[VenueReport | StreamStatus]:
        """Yield reports forever; reconnect internally and yield StreamStatus on each change."""
        ...
