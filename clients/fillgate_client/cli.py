"""The ``fillgate`` command: run the server, or talk to one.

Exit codes: 0 success, 1 a failed RPC (the error goes to stderr), 2 a usage
error, 130 interrupted. ``--json`` switches every output to JSON: one document
per command, or one object per line for ``fills``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from . import (
    _output,
    cli_audit,
    cli_contingent,
    cli_market,
    cli_quotes,
    cli_report,
    cli_risk,
    cli_token,
)
from ._channel import DEFAULT_TARGET, TARGET_ENV
from ._durations import duration as _duration
from .errors import FillgateError
from .sync_client import FillgateClient
from .types import (
    ExecType,
    HaltScope,
    Heartbeat,
    OrderState,
    OrderType,
    Side,
    StreamEventKind,
    SubscriptionAck,
    TimeInForce,
    TradingMode,
)

HISTORY_HEARTBEAT_MS = 1000
"""Heartbeat interval of ``fills`` without ``--follow``: this much silence means
the history is drained, even when a filter hides the event at head_sequence."""

RPC_TIMEOUT_S = 30.0

Handler = Callable[[FillgateClient, argparse.Namespace, TextIO], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fillgate`` command line and return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _check(args)
    except SystemExit as exc:  # argparse exits on usage errors and --help
        return exc.code if isinstance(exc.code, int) else 2
    if args.command == "serve":
        return _serve(args)
    if getattr(args, "local", None) is not None:  # token: edits a file, needs no server
        return int(args.local(args, sys.stdout))
    handler: Handler = args.handler
    try:
        with FillgateClient(
            args.target,
            timeout=RPC_TIMEOUT_S,
            token=args.token,
            ca=args.ca,
            cert=args.cert,
            key=args.key,
        ) as client:
            return handler(client, args, sys.stdout)
    except FillgateError as exc:
        _output.print_error(exc, sys.stderr, as_json=args.json)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``fillgate`` command and its subcommands."""
    default_target = os.environ.get(TARGET_ENV) or DEFAULT_TARGET
    parser = argparse.ArgumentParser(prog="fillgate", description="fillgate execution server")
    parser.add_argument(
        "--target", default=default_target, help=f"server (default {default_target})"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--token", help="bearer token (default $FILLGATE_TOKEN)")
    parser.add_argument("--ca", metavar="PEM", help="CA to verify the server (turns TLS on)")
    parser.add_argument("--cert", metavar="PEM", help="client certificate (mutual TLS)")
    parser.add_argument("--key", metavar="PEM", help="client certificate's private key")
    # The same options after the subcommand; SUPPRESS keeps them from resetting the above.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--target", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON")
    for name in ("--token", "--ca", "--cert", "--key"):
        common.add_argument(name, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler | None, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler, subparser=p)
        return p

    p = command("serve", None, "run the server until SIGTERM or Ctrl-C")
    p.add_argument("--config", metavar="PATH", help="TOML config file")
    p.add_argument("--listen", metavar="HOST:PORT", help="address to listen on")
    p.add_argument(
        "--journal", metavar="PATH|off", help="journal file (default from config), or off"
    )
    p.add_argument("--metrics", metavar="HOST:PORT", help="serve Prometheus /metrics here")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-loopback address without TLS and authentication (warns loudly)",
    )
    p.add_argument("--console", metavar="HOST:PORT", help="also serve the web console there")

    p = command("submit", _submit, "submit an order and print it")
    p.add_argument("account")
    p.add_argument("symbol")
    p.add_argument("side", choices=_labels(Side))
    p.add_argument("quantity", metavar="QTY", type=_decimal)
    p.add_argument("--type", choices=_labels(OrderType), default="market")
    p.add_argument("--limit", metavar="PRICE", type=_decimal)
    p.add_argument("--stop", metavar="PRICE", type=_decimal)
    p.add_argument("--tif", choices=_labels(TimeInForce), default="gtc")
    p.add_argument("--client-order-id", metavar="ID")
    p.add_argument("--strategy", metavar="ID")
    p.add_argument("--tag", metavar="K=V", action="append", type=_tag, default=[])
    p.add_argument("--reduce-only", action="store_true")
    p.add_argument(
        "--extended-hours",
        action="store_true",
        help="eligible in pre-market and after hours (LIMIT + DAY only)",
    )
    p.add_argument(
        "--expire-after",
        metavar="DURATION",
        type=_duration,
        help="cancel if still open this long after acceptance: 500ms, 60s, 5m, 2h",
    )
    p.add_argument(
        "--expire-time",
        metavar="TIME",
        type=_aware_time,
        help="cancel if still open at this time (GTD): ISO 8601 with an offset, "
        "e.g. 2026-12-05T21:00:00Z or 2026-12-05T16:00-05:00",
    )

    p = command("cancel", _cancel, "cancel an order (by ORDER_ID or --account/--client-order-id)")
    _order_ref_args(p)
    p = command("replace", _replace, "change a working order's quantity or prices")
    _order_ref_args(p)
    p.add_argument("--qty", metavar="QTY", type=_decimal)
    p.add_argument("--limit", metavar="PRICE", type=_decimal)
    p.add_argument("--stop", metavar="PRICE", type=_decimal)

    p = command("orders", _orders, "list orders")
    p.add_argument("--account")
    p.add_argument("--symbol")
    p.add_argument("--state", choices=_labels(OrderState), nargs="+", action="extend", default=[])
    p.add_argument("--open", action="store_true", help="only orders still working")

    p = command("positions", _positions, "show positions and account totals")
    p.add_argument("--account", nargs="+", action="extend", default=[])
    p.add_argument("--all", action="store_true", help="include flat positions")

    p = command("fills", _fills, "print the fill history, or follow live events")
    p.add_argument("--account", nargs="+", action="extend", default=[])
    p.add_argument("--symbol", nargs="+", action="extend", default=[])
    p.add_argument("--from-seq", metavar="N", type=_sequence)
    p.add_argument("--follow", action="store_true", help="keep printing live events")
    p.add_argument(
        "--kind",
        nargs="+",
        action="extend",
        default=[],
        choices=[k.label for k in StreamEventKind if k.value],
        metavar="KIND",
        help="only these kinds of events: %(choices)s (denials come only when named)",
    )
    p.add_argument(
        "--exec-type",
        nargs="+",
        action="extend",
        default=[],
        choices=[t.label for t in ExecType if t.value],
        metavar="TYPE",
        help="only execution reports of these types, e.g. trade for fills only",
    )

    p = command("halt", _halt, "restrict trading in a scope")
    _scope_args(p)
    p.add_argument("--reducing", action="store_true", help="allow reducing orders only")
    p.add_argument("--cancel-open", action="store_true", help="cancel working orders")
    p.add_argument("--flatten", action="store_true", help="close positions at market")
    p.add_argument("--reason", required=True)
    p.add_argument("--by", metavar="NAME")
    p = command("resume", _resume, "lift a scope's restriction")
    _scope_args(p)
    p.add_argument("--reason", default="")
    p.add_argument("--by", metavar="NAME")
    command("state", _state, "list the trading restrictions in force")

    p = command("price", _price, "set a symbol's reference price")
    p.add_argument("symbol")
    p.add_argument("price", type=_decimal)
    command("symbols", _symbols, "list the configured symbols")
    command("ping", _ping, "measure one empty round trip")
    cli_risk.register(command)
    cli_audit.register(command)
    cli_report.register(command)
    cli_market.register(command)
    cli_quotes.register(command)
    cli_token.register(command)
    cli_contingent.register(command)
    return parser


def _labels(enum_type: type[Any]) -> list[str]:
    return [m.label for m in enum_type if m.value != 0]


def _decimal(text: str) -> Decimal:
    try:
        if not text.isascii():  # Decimal() would read "\u0661" as 1; the server refuses it
            raise InvalidOperation
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _sequence(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a sequence number: {text!r}")
    return int(text)


def _tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"tag must be KEY=VALUE: {text!r}")
    return key, value


def _order_ref_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("order_id", metavar="ORDER_ID", nargs="?")
    p.add_argument("--account")
    p.add_argument("--client-order-id", metavar="ID")


def _scope_args(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--account", metavar="A")
    group.add_argument("--symbol", metavar="S")
    group.add_argument("--strategy", metavar="ID")
    group.add_argument("--all", action="store_true", help="every account, symbol and strategy")


def _check(args: argparse.Namespace) -> None:
    """Reject argument combinations argparse cannot express (exits with code 2)."""
    if args.command in ("cancel", "replace"):
        by_client_id = args.account is not None or args.client_order_id is not None
        if args.order_id and by_client_id:
            args.subparser.error("give ORDER_ID or --account/--client-order-id, not both")
        if not args.order_id and not (args.account and args.client_order_id):
            args.subparser.error("give ORDER_ID, or both --account and --client-order-id")
    if args.command == "replace" and (args.qty, args.limit, args.stop) == (None, None, None):
        args.subparser.error("give at least one of --qty, --limit, --stop")


def scope_of(args: argparse.Namespace) -> tuple[HaltScope, str]:
    """Return the halt scope and target chosen by --account/--symbol/--strategy/--all."""
    if args.account is not None:
        return HaltScope.ACCOUNT, args.account
    if args.symbol is not None:
        return HaltScope.SYMBOL, args.symbol
    if args.strategy is not None:
        return HaltScope.STRATEGY, args.strategy
    return HaltScope.ALL, ""


def _serve(args: argparse.Namespace) -> int:
    # Imported by name: the server's dependencies load only for this subcommand.
    app = importlib.import_module("fillgate.app")
    return int(
        app.run_server(
            config_path=args.config,
            listen=args.listen,
            journal=args.journal,
            metrics=args.metrics,
            insecure=args.insecure,
            console=args.console,
        )
    )


def _emit(out: TextIO, args: argparse.Namespace, value: Any, text: str) -> None:
    print(_output.document_json(value) if args.json else text, file=out)


def _aware_time(text: str) -> datetime:
    """An ISO 8601 time with its UTC offset (``Z`` for UTC); a time without one is refused."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset: add Z (UTC) or e.g. -05:00 (New York, winter)"
        )
    return value


def _submit(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    result = client.submit_order(
        args.account,
        args.symbol,
        Side.parse(args.side),
        args.quantity,
        type=OrderType.parse(args.type),
        limit_price=args.limit,
        stop_price=args.stop,
        time_in_force=TimeInForce.parse(args.tif),
        client_order_id=args.client_order_id,
        strategy_id=args.strategy,
        tags=dict(args.tag),
        reduce_only=args.reduce_only,
        extended_hours=args.extended_hours,
        expire_after=args.expire_after,
        expire_time=args.expire_time,
    )
    text = _output.order_fields(result.order)
    if result.duplicate:
        text += "\n(duplicate: an order with this client order id exists; nothing was placed)"
    _emit(out, args, result, text)
    return 0


def _cancel(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    order = client.cancel_order(
        args.order_id, account=args.account, client_order_id=args.client_order_id
    )
    _emit(out, args, order, _output.order_fields(order))
    return 0


def _replace(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    order = client.replace_order(
        args.order_id,
        account=args.account,
        client_order_id=args.client_order_id,
        quantity=args.qty,
        limit_price=args.limit,
        stop_price=args.stop,
    )
    _emit(out, args, order, _output.order_fields(order))
    return 0


def _orders(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    states = [OrderState.parse(s) for s in args.state]
    orders = client.list_orders(args.account, args.symbol, states, open_only=args.open)
    _emit(out, args, orders, _output.orders_table(orders))
    return 0


def _positions(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    snapshots = client.get_positions(args.account, include_flat=args.all)
    places = {} if args.json else {s.symbol: s.price_precision for s in client.list_symbols()}
    _emit(out, args, snapshots, _output.positions_text(snapshots, places))
    return 0


def _fills(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    """Print the retained history and exit, or with --follow keep printing until Ctrl-C."""
    if args.follow:
        from_sequence, heartbeat_ms = args.from_seq, 0
    else:
        from_sequence = 0 if args.from_seq is None else args.from_seq
        heartbeat_ms = HISTORY_HEARTBEAT_MS
    stream = client.stream_fills(
        args.account,
        args.symbol,
        from_sequence,
        heartbeat_ms,
        kinds=args.kind,
        exec_types=args.exec_type,
    )
    head = 0
    try:
        for event in stream:
            if args.follow:
                if args.json or not isinstance(event, SubscriptionAck | Heartbeat):
                    print(_event_text(event, args.json), file=out, flush=True)
                continue
            if isinstance(event, SubscriptionAck):
                head = event.head_sequence
                if head == 0 or head < event.first_sequence:
                    return 0  # nothing retained up to head: no history to print
            elif isinstance(event, Heartbeat):
                return 0  # silence: the history is drained
            else:
                if event.sequence <= head:
                    print(_event_text(event, args.json), file=out, flush=True)
                if event.sequence >= head:
                    return 0
    except KeyboardInterrupt:
        return 0 if args.follow else 130
    finally:
        stream.close()
    return 0


def _event_text(event: Any, as_json: bool) -> str:
    return _output.event_json(event) if as_json else _output.event_line(event)


def _halt(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    scope, target = scope_of(args)
    result = client.halt(
        scope,
        target,
        mode=TradingMode.REDUCING if args.reducing else TradingMode.HALTED,
        cancel_open_orders=args.cancel_open,
        flatten_positions=args.flatten,
        reason=args.reason,
        requested_by=args.by,
    )
    _emit(out, args, result, _output.halt_text(result))
    return 0


def _resume(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    scope, target = scope_of(args)
    left = client.resume(scope, target, args.reason, args.by)
    _emit(out, args, left, _output.restrictions_table(left))
    return 0


def _state(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    restrictions = client.trading_state()
    _emit(out, args, restrictions, _output.restrictions_table(restrictions))
    return 0


def _price(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    symbol = client.set_reference_price(args.symbol, args.price)
    _emit(out, args, symbol, _output.symbols_table([symbol]))
    return 0


def _symbols(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    symbols = client.list_symbols()
    _emit(out, args, symbols, _output.symbols_table(symbols))
    return 0


def _ping(client: FillgateClient, args: argparse.Namespace, out: TextIO) -> int:
    client.ping()  # the first call also connects; time the second
    started = time.perf_counter()
    client.ping()
    elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
    _emit(out, args, {"round_trip_ms": elapsed_ms}, f"pong {elapsed_ms} ms")
    return 0
