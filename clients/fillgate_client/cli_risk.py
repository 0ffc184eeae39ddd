"""``fillgate risk``: every limit with its current usage, every breaker with its state."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TextIO

from . import _output
from .risk import AccountRisk, RiskLimit, RiskState
from .sync_client import FillgateClient

Handler = Callable[[FillgateClient, argparse.Namespace, TextIO], int]
Command = Callable[[str, Handler | None, str], argparse.ArgumentParser]

_HUNDRED = Decimal(100)


def register(command: Command) -> None:
    """Add the ``risk`` subcommand through cli's ``command`` helper."""
    p = command("risk", _risk, "show risk limits with their usage, and circuit breakers")
    p.add_argument("--account", nargs="+", action="extend", default=[])


def _risk(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    state = client.get_risk_state(args.account)
    text = risk_text(state)
    print(_output.document_json(state) if args.json else text, file=out)
    return 0


def _used(row: RiskLimit) -> str:
    ratio = row.utilization
    return "" if ratio is None else f"{(ratio * _HUNDRED).quantize(Decimal('0.1'))}%"


def limits_table(rows: Sequence[RiskLimit]) -> str:
    """Return limits as a table: name, subject, limit, usage and usage as % of the limit."""
    if not rows:
        return "(no limits configured)"
    return _output.format_table(
        ["NAME", "FOR", "LIMIT", "USAGE", "USED"],
        [[r.name, r.subject, r.limit, r.usage, _used(r)] for r in rows],
    )


def breakers_table(account: AccountRisk) -> str:
    """Return an account's breakers as a table."""
    rows: list[list[Any]] = []
    for b in account.breakers:
        action = b.mode.label + (" +cancel" if b.cancel_open_orders else "")
        action += " +flatten" if b.flatten_positions else ""
        rows.append([b.breaker.label, b.state.label, b.value, b.limit, action, b.trip_time])
    return _output.format_table(["BREAKER", "STATE", "VALUE", "LIMIT", "ON TRIP", "TRIPPED"], rows)


def risk_text(state: RiskState) -> str:
    """Return the whole risk picture as text: one block per account, then global limits."""
    if not state.enabled:
        return "risk checks are disabled on this server ([risk] enabled = false)"
    blocks = []
    for account in state.accounts:
        head = (
            f"account {account.account}  equity {_output.format_value(account.equity)}  "
            f"day start {_output.format_value(account.day_start_equity)}  "
            f"day peak {_output.format_value(account.day_peak_equity)}"
        )
        tripped = [b.trip_message for b in account.breakers if b.trip_message]
        parts = [head, limits_table(account.limits), breakers_table(account), *tripped]
        blocks.append("\n\n".join(parts))
    if state.global_limits:
        blocks.append("all accounts\n\n" + limits_table(state.global_limits))
    return "\n\n\n".join(blocks) if blocks else "no accounts"
