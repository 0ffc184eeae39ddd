"""``fillgate audit --denied``: the orders risk checks and halts refused, from the journal."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import _output, report
from .sync_client import FillgateClient

HEADERS = ["TIME", "ACCOUNT", "SYMBOL", "SIDE", "QTY", "TYPE", "REASON", "CLIENT_ORDER_ID"]


def show(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    denials = client.list_denials(args.account, since=args.since, until=args.until)
    if args.csv:
        text = report.denials_csv(denials)
    elif args.json:
        text = _output.document_json(denials)
    else:
        rows = [
            [
                d.time,
                d.account,
                d.symbol,
                d.side.name.lower(),
                d.quantity,
                d.type.name.lower(),
                d.reason,
                d.client_order_id,
            ]
            for d in denials
        ]
        text = _output.format_table(HEADERS, rows)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    else:
        print(text, file=out, end="" if text.endswith("\n") else "\n")
    return 0
