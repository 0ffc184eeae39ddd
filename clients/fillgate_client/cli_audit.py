"""``fillgate audit``: query the journal's execution history; table, CSV or JSON."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from . import _audit, _output
from .sync_client import FillgateClient

Handler = Callable[[FillgateClient, argparse.Namespace, TextIO], int]
Command = Callable[[str, Handler | None, str], argparse.ArgumentParser]


def _when(text: str) -> datetime:
    """Parse an ISO 8601 time; a time without a zone is UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def register(command: Command) -> None:
    """Add the ``audit`` subcommand through cli's ``command`` helper."""
    p = command("audit", _audit_command, "query executions and order history in the journal")
    p.add_argument("--account")
    p.add_argument("--symbol")
    p.add_argument("--order", metavar="ORDER_ID", help="one order's whole history")
    p.add_argument("--since", type=_when, metavar="TIME", help="ISO 8601, inclusive (UTC)")
    p.add_argument("--until", type=_when, metavar="TIME", help="ISO 8601, exclusive (UTC)")
    p.add_argument("--trades", action="store_true", help="fills only")
    p.add_argument("--csv", action="store_true", help="CSV with a header row")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")


def _audit_command(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    reports = client.list_executions(
        args.account,
        args.symbol,
        order_id=args.order,
        since=args.since,
        until=args.until,
        trades_only=args.trades,
    )
    if args.csv:
        text = _audit.to_csv(reports)
    elif args.json:
        text = _output.document_json(reports)
    else:
        text = _output.format_table(
            [
                "SEQ",
                "TIME",
                "ACCOUNT",
                "SYMBOL",
                "SIDE",
                "EXEC",
                "STATE",
                "LAST",
                "PRICE",
                "CUM",
                "ORDER_ID",
                "BY",
            ],
            [
                [
                    r.sequence,
                    r.transact_time,
                    r.account,
                    r.symbol,
                    r.side.name.lower(),
                    r.exec_type.name.lower(),
                    r.order_state.name.lower(),
                    r.last_quantity,
                    r.last_price,
                    r.cumulative_quantity,
                    r.order_id,
                    r.requested_by,
                ]
                for r in reports
            ],
        )
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    else:
        print(text, file=out, end="" if text.endswith("\n") else "\n")
    return 0
