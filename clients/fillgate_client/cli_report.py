"""``fillgate report quality|daily``: execution quality, and one day's trades per account."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from . import _output, report
from .cli_audit import _when
from .sync_client import FillgateClient

Handler = Callable[[FillgateClient, argparse.Namespace, TextIO], int]
Command = Callable[[str, Handler | None, str], argparse.ArgumentParser]


def register(command: Command) -> None:
    """Add the ``report`` subcommand through cli's ``command`` helper."""
    p = command("report", _report, "execution-quality or daily trade report from the journal")
    p.add_argument(
        "kind",
        choices=["quality", "daily"],
        help="quality: the broker comparison; daily: one day per account and symbol",
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help="daily: the UTC day (default today)")
    p.add_argument("--since", type=_when, metavar="TIME", help="ISO 8601, inclusive (UTC)")
    p.add_argument("--until", type=_when, metavar="TIME", help="ISO 8601, exclusive (UTC)")
    p.add_argument("--by", choices=report.GROUPS, default="venue", help="group rows by")
    p.add_argument("--account", help="only this account's orders")
    p.add_argument("--csv", action="store_true", help="CSV with a header row")


def _report(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    if args.kind == "daily":
        return _daily(client, args, out)
    rows = client.execution_quality(
        since=args.since, until=args.until, by=args.by, account=args.account
    )
    if args.csv:
        out.write(report.to_csv(rows))
        return 0
    if args.json:
        text = _output.document_json(rows)
    else:
        text = _output.format_table([n for n, _ in report.COLUMNS], report.table_rows(rows))
    out.write(text + "\n")
    return 0


def _daily(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    day, rows = client.daily_report(args.date, args.account)
    if args.csv:
        out.write(report.daily_csv(rows))
        return 0
    if args.json:
        text = _output.document_json({"date": day, "rows": rows})
    else:
        table = _output.format_table(list(report.DAILY_FIELDS), report.daily_table_rows(rows))
        text = f"{day}\n{table}" if rows else f"{day}: no trades"
    out.write(text + "\n")
    return 0
