"""What the orchestrator asks of generator processes: phases, rounds, setup, results.

Plain frozen dataclasses, so they pickle across ``spawn`` processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Request kinds a generator can send.
PING = "ping"  # AdminService.Ping: the empty unary baseline
SUBMIT = "submit"  # ExecutionService.SubmitOrder, paper market order, until the ack
STREAM_ACK = "stream_ack"  # StreamFills opened until its first message (the stream baseline)
POSITIONS = "positions"  # GetPositions for the phase's accounts (empty: all accounts)
KINDS = (PING, SUBMIT, STREAM_ACK, POSITIONS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Phase:
    """Send ``kind`` at ``rate`` per second (summed over all generators) for ``seconds``.

    ``label`` names the series the samples go into; phases with the same label
    add up (interleaved slices). An empty label is a warm-up: sent, not recorded.
    """

    label: str
    kind: str
    rate: float
    seconds: float
    account: str = "paper"
    symbol: str = "BTC-USD"
    quantity: str = "0.01"
    #: POSITIONS: accounts to ask for, one per request in turn; () asks for all accounts.
    accounts: tuple[str, ...] = ()
    #: POSITIONS: ask for every account in one request instead of one account per request.
    whole_book: bool = False
    #: POSITIONS: positions each response must hold (0: unchecked).
    expect: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    """Phases run back to back on one schedule starting at monotonic ``t0_ns``."""

    t0_ns: int
    phases: tuple[Phase, ...]
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Connect:
    """(Re)connect to a server and warm the channel up."""

    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildPositions:
    """Closed-loop setup: one market buy per (account, symbol), ``share`` of them per process."""

    accounts: tuple[str, ...]
    symbols: tuple[str, ...]
    quantity: str
    concurrency: int = 32


@dataclass(slots=True, kw_only=True)
class SeriesPart:
    """One process's samples of one series, histograms encoded."""

    latency: bytes = b""  # completion - intended send time (what is reported)
    service: bytes = b""  # completion - actual send time (diagnosis only)
    lag: bytes = b""  # actual - intended send time (the generator's own pacing error)
    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Reply:
    """A generator's answer to one command."""

    index: int
    series: dict[str, SeriesPart] = field(default_factory=dict)
    error: str = ""
    precise_pacing: bool = True
