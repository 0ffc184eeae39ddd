"""``fillgate report quality``: execution quality per venue, account, symbol or strategy."""

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
    p = command("report", _report, "execution-quality report from the journal")
    p.add_argument("kind", choices=["quality"], help="quality: the broker comparison")
    p.add_argument("--since", type=_when, metavar="TIME", help="ISO 8601, inclusive (UTC)")
    p.add_argument("--until", type=_when, metavar="TIME", help="ISO 8601, exclusive (UTC)")
    p.add_argument("--by", choices=report.GROUPS, default="venue", help="group rows by")
    p.add_argument("--account", help="only this account's orders")
    p.add_argument("--csv", action="store_true", help="CSV with a header row")


def _report(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
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
