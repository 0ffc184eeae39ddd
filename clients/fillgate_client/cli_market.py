"""``fillgate market [SYMBOL...]``: open or closed, the session phase, next open and close."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TextIO

from . import _output
from .market import MarketStatus
from .sync_client import FillgateClient

Handler = Callable[[FillgateClient, argparse.Namespace, TextIO], int]
Command = Callable[[str, Handler | None, str], argparse.ArgumentParser]


def register(command: Command) -> None:
    """Add the ``market`` subcommand through cli's ``command`` helper."""
    p = command("market", _market, "show when each symbol's market is open (times in its zone)")
    p.add_argument("symbols", metavar="SYMBOL", nargs="*", help="default: every symbol")


def _market(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    markets = client.get_market_status(args.symbols)
    print(_output.document_json(markets) if args.json else market_table(markets), file=out)
    return 0


def market_table(markets: Sequence[MarketStatus]) -> str:
    """Return markets as a table; times are shown in each market's own zone."""
    return _output.format_table(
        ["SYMBOL", "CALENDAR", "STATUS", "SESSION", "NEXT OPEN", "NEXT CLOSE", "ZONE"],
        [
            [
                m.symbol,
                m.calendar,
                "open" if m.is_open else "closed",
                m.phase.label,
                m.next_open_local or "-",
                m.next_close_local or "-",
                m.timezone,
            ]
            for m in markets
        ],
    )
