"""``fillgate token create|list|revoke``: manage the server's token file.

These commands edit the token file directly (they need no server, so the
first admin token can be made before anything else): whoever may write that
file administers the server. The server reads the file at start and again on
SIGHUP (``kill -HUP <pid>``), so a new or revoked token takes effect without a
restart. A token is printed once, at creation; the file keeps only its hash.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from . import _output

Command = Callable[[str, Any, str], argparse.ArgumentParser]
TOKEN_FILE_ENV = "FILLGATE_TOKEN_FILE"
DEFAULT_TOKEN_FILE = "data/tokens.json"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_s(text: str) -> int:
    """Parse ``90d``, ``12h``, ``30m``, ``45s`` (or plain seconds) into seconds."""
    match = re.fullmatch(r"(\d{1,7})([smhd]?)", text.strip())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90d, 12h, 30m)")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def register(command: Command) -> None:
    """Add ``token create|list|revoke`` through cli's ``command`` helper."""
    p = command("token", None, "create, list or revoke bearer tokens (edits the token file)")
    p.add_argument(
        "--file",
        metavar="PATH",
        help=f"token file (default: [auth] token_file of "
        f"--config, ${TOKEN_FILE_ENV}, or {DEFAULT_TOKEN_FILE})",
    )
    p.add_argument("--config", metavar="PATH", help="server config naming the token file")
    actions = p.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    c = actions.add_parser("create", help="make a token and print it once")
    c.add_argument("--name", required=True, help="who holds it (recorded in the journal)")
    c.add_argument(
        "--scope",
        action="append",
        required=True,
        help="admin, audit, read:<account>, trade:<account> (<account> may be *); repeatable",
    )
    c.add_argument(
        "--expires", type=duration_s, metavar="DURATION", help="e.g. 90d (default: never)"
    )
    c.add_argument(
        "--idle", type=duration_s, metavar="DURATION", help="expire after this long unused"
    )
    c.add_argument("--strategy", metavar="ID", help="bind to this strategy_id")
    actions.add_parser("list", help="the tokens (never their secrets)")
    r = actions.add_parser("revoke", help="revoke a token by id, or every token of a name")
    r.add_argument("id_or_name")
    p.set_defaults(local=run)


def token_file(args: argparse.Namespace) -> str:
    if args.file:
        return str(args.file)
    if args.config:
        config = importlib.import_module("fillgate.config").load_config(args.config)
        return str(config.auth.token_file)
    return os.environ.get(TOKEN_FILE_ENV) or DEFAULT_TOKEN_FILE


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Carry out the token action; errors print one line and exit 1."""
    # Imported by name: the server package is needed only here (and for serve).
    tokens = importlib.import_module("fillgate.auth.tokens")
    principal = importlib.import_module("fillgate.auth.principal")
    now = importlib.import_module("fillgate.domain.values").SystemClock().now_ns()
    try:
        path = token_file(args)
        store = tokens.TokenStore.load(importlib.import_module("pathlib").Path(path))
        if args.token_action == "create":
            return _create(store, args, now, out)
        if args.token_action == "revoke":
            gone = store.revoke(args.id_or_name, now)
            if not gone:
                print(f"error: no live token with id or name {args.id_or_name!r}", file=sys.stderr)
                return 1
            store.save()
            for record in gone:
                print(f"revoked {record.id} ({record.name})", file=out)
            print(
                f"send SIGHUP to the server to apply it (kill -HUP <pid>); file {path}",
                file=sys.stderr,
            )
            return 0
        _list(store, now, out)
        return 0
    except (tokens.TokenFileError, principal.ScopeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _create(store: Any, args: argparse.Namespace, now: int, out: TextIO) -> int:
    token, record = store.create(
        name=args.name,
        scopes=args.scope,
        now_ns=now,
        expires_ns=now + args.expires * 1_000_000_000 if args.expires else 0,
        strategy_id=args.strategy or "",
        idle_expiry_s=args.idle or 0,
    )
    store.save()
    print(token, file=out)
    print(
        f"token {record.id} for {record.name} ({' '.join(record.scopes)}) saved as a hash in "
        f"{store.path}: this is the only time it is shown. Send SIGHUP to a running server "
        "(kill -HUP <pid>) to load it.",
        file=sys.stderr,
    )
    return 0


def _time(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat(timespec="seconds") if ns else "never"


def _list(store: Any, now: int, out: TextIO) -> None:
    rows = []
    for r in store.records():
        state = (
            "revoked"
            if r.revoked_ns
            else "expired"
            if r.expires_ns and now >= r.expires_ns
            else "active"
        )
        rows.append(
            [
                r.id,
                r.name,
                " ".join(r.scopes),
                r.strategy_id,
                _time(r.created_ns),
                _time(r.expires_ns),
                state,
            ]
        )
    print(
        _output.format_table(
            ["ID", "NAME", "SCOPES", "STRATEGY", "CREATED", "EXPIRES", "STATE"], rows
        ),
        file=out,
    )
