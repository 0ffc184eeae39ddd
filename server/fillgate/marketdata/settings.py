"""Market-data configuration values: the ``[marketdata]`` section of the config file.

Parsed by ``fillgate.config`` (unknown keys rejected, decimals as strings)::

    [marketdata]
    mark = "mid"                  # "mid" (default) or "last"
    max_quote_age_s = 10          # a live quote older than this is stale (0: never)
    paper_spread_bps = "2"        # the paper venue's quotes: reference -/+ half of this
    feed = "examples/quotes/sample.csv"   # a CSV of quotes to replay ("" : none)
    feed_speed = 10               # 1 = real time, 10 = ten times faster, 0 = no waiting
    feed_loop = true              # start again at the end
    venue_quote_interval_s = 1    # poll remote venues' quotes while their stream is down; 0: off
    venue_account_interval_s = 5  # read remote accounts' money (OANDA, Alpaca); 0: off
    equity_drift_pct = "0.1"      # venue vs fillgate equity beyond this: VenueDrift
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MARK_SOURCES = ("mid", "last")


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketDataConfig:
    """Where marks come from and when they are too old to trade on."""

    #: Which price of a quote is the mark: "mid" ((bid + ask) / 2) or "last".
    mark: str = "mid"
    #: A live quote (from a feed or a venue) older than this many seconds is
    #: stale: checks that need a price deny ``QUOTE_STALE``. 0 turns it off.
    max_quote_age_s: float = 10.0
    #: The paper venue's quoted spread around its reference price, in basis points.
    paper_spread_bps: Decimal = Decimal(0)
    #: A CSV of timestamped quotes replayed into the book ("" for none).
    feed: str = ""
    #: Replay speed: 1 is real time, 10 ten times faster, 0 as fast as possible.
    feed_speed: float = 1.0
    #: Replay the file again from the start when it ends.
    feed_loop: bool = False
    #: Seconds between two REST reads of a remote venue's quotes (OANDA); 0: never.
    venue_quote_interval_s: float = 1.0
    #: Seconds between two reads of a remote account's money (OANDA, Alpaca); 0: never.
    venue_account_interval_s: float = 5.0
    #: A venue equity differing from fillgate's by more than this % of it is a VenueDrift.
    equity_drift_pct: Decimal = Decimal("0.1")
