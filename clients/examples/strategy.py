"""Example strategy: follow fills, trade a little, cancel, show positions.

    FILLGATE_TOKEN=fgt_... python clients/examples/strategy.py --target 127.0.0.1:50051 \
        --account paper --symbol BTC-USD

It authenticates with a bearer token: ``--token``, else ``$FILLGATE_TOKEN`` (a token
with ``trade:<account>``, made by ``fillgate token create``); ``--ca`` turns TLS on.
Against a server without authentication (loopback only) no token is needed.

It subscribes to the account's fill stream, submits a market buy and a limit
sell 5% above the reference price (so the sell rests), prints every execution
report as it arrives, cancels the resting sell, prints the account's positions
and exits. It never moves the reference price.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable
from decimal import Decimal

from fillgate_client import (
    AsyncFillgateClient,
    ExecutionReport,
    FillgateError,
    OrderState,
    OrderType,
    Side,
    SubscriptionAck,
    TimeInForce,
    TradingStateChanged,
)

STRATEGY_ID = "example-strategy"
WAIT_S = 5.0


class ReportBook:
    """Print execution reports and let the strategy wait for an order to reach a state."""

    def __init__(self) -> None:
        self._last: dict[str, ExecutionReport] = {}
        self._changed = asyncio.Condition()
        self.subscribed = asyncio.Event()

    async def record(self, report: ExecutionReport) -> None:
        """Print a report and wake everyone waiting on its order."""
        fill = f" last {report.last_quantity} @ {report.last_price}" if report.last_price else ""
        print(
            f"  [{report.sequence}] {report.order_id} {report.exec_type.name} -> "
            f"{report.order_state.name} filled {report.cumulative_quantity}/"
            f"{report.order_quantity}{fill} {report.reason}".rstrip()
        )
        async with self._changed:
            self._last[report.order_id] = report
            self._changed.notify_all()

    async def wait_for(self, order_id: str, done: Callable[[OrderState], bool]) -> OrderState:
        """Wait until the stream shows ``order_id`` in a state for which ``done`` is true."""

        def reached() -> bool:
            report = self._last.get(order_id)
            return report is not None and done(report.order_state)

        async with asyncio.timeout(WAIT_S), self._changed:
            await self._changed.wait_for(reached)
            return self._last[order_id].order_state


async def follow(client: AsyncFillgateClient, account: str, book: ReportBook) -> None:
    """Consume the account's live events until cancelled."""
    async with contextlib.aclosing(client.stream_fills(accounts=[account])) as events:
        async for event in events:
            if isinstance(event, SubscriptionAck):
                print(f"subscribed {event.subscription_id} at sequence {event.head_sequence}")
                book.subscribed.set()
            elif isinstance(event, ExecutionReport):
                await book.record(event)
            elif isinstance(event, TradingStateChanged):
                print(f"  trading {event.scope.name} {event.target} -> {event.mode.name}")


async def wait_subscribed(book: ReportBook, stream: asyncio.Task[None]) -> None:
    """Wait for the subscription, raising the stream's error if it ends first."""
    subscribed = asyncio.create_task(book.subscribed.wait())
    done, _ = await asyncio.wait(
        {subscribed, stream}, timeout=WAIT_S, return_when=asyncio.FIRST_COMPLETED
    )
    if stream in done:
        stream.result()  # raises the stream's error, if it failed
    if subscribed not in done:
        subscribed.cancel()
        raise TimeoutError


async def run(
    target: str,
    account: str,
    symbol: str,
    quantity: Decimal,
    token: str | None = None,
    ca: str | None = None,
) -> int:
    """Run the example against the server at ``target``."""
    async with AsyncFillgateClient(target, timeout=WAIT_S, token=token, ca=ca) as client:
        book = ReportBook()
        stream = asyncio.create_task(follow(client, account, book))
        try:
            await wait_subscribed(book, stream)  # subscribe first so no report is missed

            info = next((s for s in await client.list_symbols() if s.symbol == symbol), None)
            if info is None or info.reference_price is None:
                print(f"symbol {symbol} is not configured or has no price", file=sys.stderr)
                return 1
            print(f"{symbol} reference price {info.reference_price}")

            print(f"market buy {quantity} {symbol}")
            buy = await client.submit_order(
                account, symbol, Side.BUY, quantity, strategy_id=STRATEGY_ID
            )
            await book.wait_for(buy.order.order_id, lambda state: state.is_terminal)

            tick = Decimal(1).scaleb(-info.price_precision)
            limit = (info.reference_price * Decimal("1.05")).quantize(tick)
            print(f"limit sell {quantity} {symbol} @ {limit}")
            sell = await client.submit_order(
                account,
                symbol,
                Side.SELL,
                quantity,
                type=OrderType.LIMIT,
                limit_price=limit,
                time_in_force=TimeInForce.GTC,
                strategy_id=STRATEGY_ID,
            )
            sell_id = sell.order.order_id
            await book.wait_for(sell_id, lambda state: state is not OrderState.PENDING_NEW)

            print(f"cancel {sell_id}")
            await client.cancel_order(sell_id)
            await book.wait_for(sell_id, lambda state: state.is_terminal)

            for snapshot in await client.get_positions([account]):
                totals = snapshot.totals
                print(f"positions of {totals.account}: equity {totals.equity} cash {totals.cash}")
                for p in snapshot.positions:
                    print(
                        f"  {p.symbol}: {p.quantity} @ {p.average_price} "
                        f"mark {p.mark_price} unrealized {p.unrealized_pnl}"
                    )
            return 0
        except FillgateError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except TimeoutError:
            print("error: timed out waiting for the fill stream", file=sys.stderr)
            return 1
        finally:
            stream.cancel()
            with contextlib.suppress(asyncio.CancelledError, FillgateError):
                await stream


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"not a decimal number: {text!r}") from None


def main() -> int:
    """Parse the command line and run the example."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--target", default=None, help="server (default $FILLGATE_TARGET)")
    parser.add_argument("--account", default="paper")
    parser.add_argument("--symbol", default="BTC-USD")
    parser.add_argument("--qty", type=_decimal, default=Decimal("0.01"))
    parser.add_argument("--token", default=None, help="bearer token (default $FILLGATE_TOKEN)")
    parser.add_argument("--ca", default=None, help="CA certificate of the server (TLS)")
    args = parser.parse_args()
    return asyncio.run(
        run(args.target, args.account, args.symbol, args.qty, token=args.token, ca=args.ca)
    )


if __name__ == "__main__":
    sys.exit(main())
