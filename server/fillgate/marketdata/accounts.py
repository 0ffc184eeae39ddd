"""Account state as the venues report it: the latest read per account, and which are baselined.

Changed only by the fold (``VenueAccountRead``, ``EquityBaselined``). Reads are
not journaled (a restart reads the venue again); which accounts have had their
equity baseline is (the ``EquityBaselined`` record, and snapshots keep the set).
"""

from __future__ import annotations

from fillgate.domain.events import VenueAccountRead


class VenueAccounts:
    """The latest venue read of each remote account."""

    __slots__ = ("based", "reads")

    def __init__(self) -> None:
        self.reads: dict[str, VenueAccountRead] = {}
        #: Accounts whose cash was once moved to match the venue's equity.
        self.based: set[str] = set()
