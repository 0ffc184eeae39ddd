"""``fillgate bracket`` and ``fillgate orderlist``: protected entries and their members."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TextIO

from . import _output
from ._durations import duration
from .contingent import ListLeg, OrderList, parse_leg
from .sync_client import FillgateClient
from .types import OrderType, Side, TimeInForce

Handler = Callable[[FillgateClient, argparse.Namespace, TextIO], int]
Command = Callable[[str, Handler | None, str], argparse.ArgumentParser]


def register(command: Command) -> None:
    """Add the ``bracket`` and ``orderlist`` subcommands through cli's ``command`` helper."""
    p = command("bracket", _bracket, "submit an entry protected by a stop-loss and take-profits")
    p.add_argument("account")
    p.add_argument("symbol")
    p.add_argument("side", choices=[s.label for s in Side if s.value])
    p.add_argument("quantity", metavar="QTY", type=_decimal)
    p.add_argument(
        "--stop",
        metavar="EXIT",
        help="stop-loss: offset:5, percent:2, price:95, or trailing trail:5, trail_percent:2",
    )
    p.add_argument(
        "--trail",
        metavar="DIST[%]",
        type=_trail,
        help="a trailing stop-loss this far behind the best mark: 5, or 2%% (instead of --stop)",
    )
    p.add_argument(
        "--stop-limit-offset",
        metavar="DIST[%]",
        type=_stop_limit,
        help="make the stop-loss a stop-limit, its limit this far beyond the stop: 1, 0.5%%",
    )
    p.add_argument(
        "--trail-activation",
        metavar="PRICE",
        type=_decimal,
        help="a trailing stop starts trailing once the mark reaches PRICE",
    )
    p.add_argument(
        "--take-profit",
        metavar="EXIT[@SIZE]",
        action="append",
        default=[],
        help="take-profit, repeatable for a ladder: percent:1@0.5, offset:10@qty:0.2",
    )
    p.add_argument("--limit", metavar="PRICE", type=_decimal, help="a limit entry at PRICE")
    p.add_argument("--tif", choices=[t.label for t in TimeInForce if t.value], default="gtc")
    p.add_argument("--client-order-id", metavar="ID")
    p.add_argument("--strategy", metavar="ID")
    p.add_argument(
        "--expire-after",
        metavar="DURATION",
        type=duration,
        help="cancel the entry if still open this long after acceptance: 60s, 5m",
    )
    for kind, what in (
        ("oco", "one fill cancels the others"),
        ("ouo", "a fill cuts the others"),
        ("oto", "the first leg's fills place the others"),
    ):
        p = command(kind, _order_list, f"submit an {kind.upper()} list: {what}")
        p.add_argument("account")
        p.add_argument("symbol")
        p.add_argument(
            "legs",
            metavar="LEG",
            nargs="+",
            type=_leg,
            help="SIDE:TYPE:QTY[:PRICE[:STOP]], e.g. sell:limit:2:110 sell:stop:2:95",
        )
        p.add_argument("--client-order-id", metavar="ID")
        p.add_argument("--strategy", metavar="ID")
    p = command(
        "orderlist",
        _orderlist,
        "show an order list (a bracket) and its members; 'orderlist cancel LIST_ID' ends it",
    )
    p.add_argument("verb", metavar="[cancel] LIST_ID")
    p.add_argument("list_id", metavar="", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--account", metavar="ACCOUNT", help="cancel: the list's account (optional)")


def _decimal(text: str) -> Decimal:
    try:
        if not text.isascii():
            raise InvalidOperation
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _distance(text: str, amount: str, percent: str) -> str:
    """``5`` -> ``AMOUNT:5``, ``2%`` -> ``PERCENT:2`` (the client's exit text)."""
    number = _decimal(text.removesuffix("%"))
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return f"{percent if text.endswith('%') else amount}:{number}"


def _trail(text: str) -> str:
    return _distance(text, "trail", "trail_percent")


def _stop_limit(text: str) -> str:
    return _distance(text, "offset", "percent")


def _bracket(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    if (args.stop is None) == (args.trail is None):
        raise SystemExit("error: give the stop-loss as exactly one of --stop and --trail")
    try:
        placed = client.submit_bracket(
            args.account,
            args.symbol,
            Side.parse(args.side),
            args.quantity,
            stop_loss=args.stop or args.trail,
            stop_limit=args.stop_limit_offset,
            trail_activation_price=args.trail_activation,
            take_profits=args.take_profit,
            type=OrderType.LIMIT if args.limit is not None else OrderType.MARKET,
            limit_price=args.limit,
            time_in_force=TimeInForce.parse(args.tif),
            client_order_id=args.client_order_id,
            strategy_id=args.strategy,
            expire_after=args.expire_after,
        )
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    _emit(out, args, placed)
    return 0


def _leg(text: str) -> ListLeg:
    try:
        return parse_leg(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _order_list(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    try:
        placed = client.submit_order_list(
            args.account,
            args.symbol,
            args.command,
            args.legs,
            client_order_id=args.client_order_id,
            strategy_id=args.strategy,
        )
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    _emit(out, args, placed)
    return 0


def _orderlist(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    """``orderlist LIST_ID`` shows a list; ``orderlist cancel LIST_ID`` ends it (its working
    members canceled, never re-placed; the position stays)."""
    if args.list_id is None:
        _emit(out, args, client.get_order_list(args.verb))
    elif args.verb == "cancel":
        _emit(out, args, client.cancel_order_list(args.list_id, account=args.account))
    else:
        raise SystemExit(f"error: unknown orderlist action {args.verb!r}: try 'cancel'")
    return 0


def _emit(out: TextIO, args: argparse.Namespace, found: OrderList) -> None:
    print(_output.document_json(found) if args.json else order_list_text(found), file=out)


def order_list_text(found: OrderList) -> str:
    """Return a list as text: its id and state, then the entry and members as a table."""
    first = "entry" if found.contingency == "BRACKET" else "leg.1"
    rows = [(first, found.entry)] + [(m.tags.get("ct.role", ""), m) for m in found.members]
    table = _output.format_table(
        ["ROLE", "ORDER_ID", "SIDE", "TYPE", "QTY", "PRICE", "STOP", "FILLED", "STATE"],
        [
            [
                role,
                o.order_id,
                o.side,
                o.type,
                o.quantity,
                o.limit_price,
                o.stop_price,
                o.filled_quantity,
                o.state,
            ]
            for role, o in rows
        ],
    )
    trail = ""
    if found.entry.tags.get("ct.sl", "").startswith("trail"):
        waiting = f"waiting for {found.entry.tags.get('ct.sl.act', '')}"
        trail = f"  trail {'active' if found.trail_active else waiting}"
    if found.held_stop_price is not None:
        trail += f"  stop held by fillgate at {found.held_stop_price}"
    return f"order list {found.list_id}  {found.contingency}  {found.state}{trail}\n{table}"
