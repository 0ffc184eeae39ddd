"""``fillgate quotes [--follow]`` and ``fillgate accounts``: live venue state."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any, TextIO

from . import _output
from .quotes import AccountState, Quote, Quotes
from .sync_client import FillgateClient

Handler = Callable[[FillgateClient, argparse.Namespace, TextIO], int]
Command = Callable[[str, Handler | None, str], argparse.ArgumentParser]

HEADERS = ["SYMBOL", "BID", "ASK", "LAST", "MARK", "SOURCE", "AGE_MS", "STALE"]


def register(command: Command) -> None:
    """Add the ``quotes`` subcommand through cli's ``command`` helper."""
    p = command("quotes", _quotes, "show each symbol's quote and mark, with its age")
    p.add_argument("--symbol", nargs="+", action="extend", default=[])
    p.add_argument("--follow", action="store_true", help="keep printing quotes as they change")
    p.add_argument(
        "--interval", metavar="S", type=float, default=0.5, help="--follow polling interval"
    )
    p.add_argument(
        "--max-updates", metavar="N", type=int, default=0, help="--follow: stop after N lines"
    )
    p = command("accounts", _accounts, "show each account's money: the venue's next to fillgate's")
    p.add_argument("--account", nargs="+", action="extend", default=[])


ACCOUNT_HEADERS = ["ACCOUNT", "VENUE", "CCY", "VENUE_CASH", "VENUE_EQUITY", "BUYING_POWER"]
ACCOUNT_HEADERS += ["MARGIN_USED", "FILLGATE_CASH", "FILLGATE_EQUITY", "DIFFERENCE", "DRIFT"]


def accounts_text(accounts: list[AccountState]) -> str:
    """Return the accounts as a table; money at 2 decimals (``--json`` keeps all)."""
    if not accounts:
        return "no accounts"
    rows = [
        [
            a.account,
            a.venue,
            a.currency,
            *(
                _output.at_precision(v, 2)
                for v in (
                    a.venue_cash,
                    a.venue_equity,
                    a.venue_buying_power,
                    a.venue_margin_used,
                    a.fillgate_cash,
                    a.fillgate_equity,
                    a.equity_difference,
                )
            ),
            a.drift,
        ]
        for a in accounts
    ]
    return _output.format_table(ACCOUNT_HEADERS, rows)


def _accounts(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    accounts = client.get_accounts(args.account)
    print(_output.document_json(accounts) if args.json else accounts_text(accounts), file=out)
    return 0


def _row(q: Quote) -> list[Any]:
    places = q.price_precision
    return [
        q.symbol,
        _output.at_precision(q.bid, places),
        _output.at_precision(q.ask, places),
        _output.at_precision(q.last, places),
        _output.at_precision(q.mark, places),
        q.source,
        q.age_ms if q.source != "reference" else None,
        q.stale,
    ]


def quotes_text(result: Quotes) -> str:
    """Return the quotes as a table, prices at each symbol's precision."""
    if not result.quotes:
        return "no quotes"
    table = _output.format_table(HEADERS, [_row(q) for q in result.quotes])
    limit = result.max_quote_age_ms
    note = f"live quotes older than {limit} ms are stale" if limit else "quotes never go stale"
    return f"{table}\n\n{note}"


def quote_line(q: Quote) -> str:
    """One changed quote as one line (``--follow``)."""
    cells = [_output.format_value(v) for v in _row(q)]
    return " ".join(f"{h.lower()}={c}" for h, c in zip(HEADERS, cells, strict=True) if c)


def _quotes(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    result = client.get_quotes(args.symbol)
    if not args.follow:
        print(_output.document_json(result) if args.json else quotes_text(result), file=out)
        return 0
    # Polled, not streamed: a line per quote that changed since the last poll.
    seen: dict[str, tuple[Any, ...]] = {}
    printed = 0
    while True:
        for q in result.quotes:
            key = (q.bid, q.ask, q.last, q.mark, q.source, q.quote_time, q.stale)
            if seen.get(q.symbol) == key:
                continue
            seen[q.symbol] = key
            text = json.dumps(_output.to_jsonable(q)) if args.json else quote_line(q)
            print(text, file=out, flush=True)
            printed += 1
            if args.max_updates and printed >= args.max_updates:
                return 0
        time.sleep(args.interval)
        result = client.get_quotes(args.symbol)
