"""Bracket emulator latency: from the mark update to the member order placed, in process.

Builds an engine with ``fillgate.app.build`` (paper venue, no journal, default
risk checks) and measures, per bracket, on one event loop:

- ``arm``: a resting limit entry; the reference price moves through it, the
  entry fills, and the runner places the stop-loss: from just before the
  price update to the stop's ``OrderAccepted``;
- ``oco``: a take-profit fills on a price update and the runner shrinks or
  cancels the stop: from just before the price update to the stop's cancel
  request;
- ``trigger``: a stop held by fillgate (the paper venue made to act as a spot
  venue, whose resting sells each hold the balance, so a bracket with a
  take-profit ladder keeps its stop in fillgate, as on Binance); the mark
  moves through the stop and the runner sends the closing order: from just
  before the price update to the closing order's ``OrderAccepted``;
- ``submit``: a plain market IOC ``Engine.submit`` in the same run, the
  baseline the others are compared with.

    python benchmarks/bench_contingent.py [--seconds 2]

Each series runs for ``--seconds`` (a few seconds in all). Closed loop: the
numbers are CPU cost plus one event-loop hop (the runner is a task), not
queueing under load.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal
from typing import Any

import uvloop
from hdrh.histogram import HdrHistogram

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, TakeProfit, role_of
from fillgate.domain import events as ev
from fillgate.domain.commands import CancelOrder, OrderRef, SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.orders import Order

PERCENTILES = (50, 99)
SPEC = BracketSpec(
    Exit(ExitKind.OFFSET, Decimal(5)),
    (TakeProfit(Exit(ExitKind.OFFSET, Decimal(2)), fraction=Decimal(1)),),
)
#: A ladder: where sells hold the balance, its stop is held by fillgate.
LADDER = BracketSpec(
    Exit(ExitKind.OFFSET, Decimal(5)),
    (
        TakeProfit(Exit(ExitKind.OFFSET, Decimal(2)), fraction=Decimal("0.5")),
        TakeProfit(Exit(ExitKind.OFFSET, Decimal(3)), fraction=Decimal("0.5")),
    ),
)


class Stamp:
    """An order watcher that notes when the stop-loss is placed and when it is canceled."""

    def __init__(self) -> None:
        self.placed = 0
        self.cancel = 0

    def on_start(self, open_orders: list[Order]) -> None:
        pass

    def on_stop(self) -> None:
        pass

    def on_mark(self, symbol: str, price: Decimal) -> None:
        pass

    def on_order(self, order: Order, event: ev.OrderEvent) -> None:
        if role_of(order)[1] != "sl":
            return
        if type(event) is ev.OrderAccepted:
            self.placed = time.perf_counter_ns()
        elif type(event) in (ev.OrderCancelRequested, ev.OrderReplaceRequested):
            self.cancel = self.cancel or time.perf_counter_ns()


def _histogram() -> HdrHistogram:
    return HdrHistogram(1, 10_000_000_000, 3)


async def run(seconds: float) -> dict[str, HdrHistogram]:
    config = config_from_dict(
        {
            "accounts": {"bench": {"starting_cash": "1000000000"}},
            "symbols": {
                "XYZ": {"reference_price": "100", "price_precision": 2, "quantity_precision": 0}
            },
        }
    )
    parts = build(config)
    await parts.engine.start()
    engine, brackets = parts.engine, parts.brackets
    stamp = Stamp()
    engine.watchers.append(stamp)
    series = {name: _histogram() for name in ("submit", "arm", "oco", "trigger")}
    ids = iter(range(1, 10**9))

    def price(p: int) -> None:
        engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=Decimal(p)))

    def order(**kw: Any) -> SubmitOrder:
        fields: dict[str, Any] = {
            "account": "bench",
            "symbol": "XYZ",
            "side": Side.BUY,
            "quantity": Decimal(1),
            "type": OrderType.MARKET,
            "time_in_force": TimeInForce.IOC,
            "client_order_id": f"b-{next(ids)}",
        }
        fields.update(kw)
        return SubmitOrder(**fields)

    end = time.monotonic() + seconds
    while time.monotonic() < end:  # the baseline
        t0 = time.perf_counter_ns()
        await engine.submit(order(side=Side.BUY))
        series["submit"].record_value((time.perf_counter_ns() - t0) // 1000)
        await engine.submit(order(side=Side.SELL))

    for name in ("arm", "oco"):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            price(100)
            entry = order(
                type=OrderType.LIMIT, limit_price=Decimal(99), time_in_force=TimeInForce.GTC
            )
            list_id = (await brackets.submit(entry, SPEC)).list_id
            stamp.placed = stamp.cancel = 0
            t0 = time.perf_counter_ns()
            price(99)  # the entry fills: the runner arms the stop and take-profit
            await brackets.settle(list_id)
            if name == "arm":
                series["arm"].record_value((stamp.placed - t0) // 1000)
            t0 = time.perf_counter_ns()
            price(101)  # the take-profit fills: the runner cancels the stop
            await brackets.settle(list_id)
            if name == "oco":
                series["oco"].record_value((stamp.cancel - t0) // 1000)
            for m in brackets.get(list_id).members:  # leave nothing working
                if m.is_open:
                    await engine.cancel(CancelOrder(ref=OrderRef(order_id=m.order_id)))
    venue = engine.venues["bench"]
    venue.sells_hold_balance = True  # type: ignore[attr-defined]  # spot-like: stops held
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        price(100)
        entry = order(
            type=OrderType.LIMIT,
            limit_price=Decimal(99),
            time_in_force=TimeInForce.GTC,
            quantity=Decimal(2),
        )
        list_id = (await brackets.submit(entry, LADDER)).list_id
        price(99)  # the entry fills: the take-profits rest, the stop is held at 94
        await brackets.settle(list_id)
        assert brackets.stop_emulated("bench", LADDER), "the stop must be held by fillgate"
        stamp.placed = 0
        t0 = time.perf_counter_ns()
        price(93)  # through the held stop: the runner sends the closing order
        await brackets.settle(list_id)
        series["trigger"].record_value((stamp.placed - t0) // 1000)
        for m in brackets.get(list_id).members:
            if m.is_open:
                await engine.cancel(CancelOrder(ref=OrderRef(order_id=m.order_id)))
    await engine.stop()
    return series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per series")
    args = parser.parse_args()
    series = uvloop.run(run(args.seconds))
    base = series["submit"].get_value_at_percentile(50) or 1
    print(f"{'series':8} {'count':>7} " + " ".join(f"{'p' + str(p):>8}" for p in PERCENTILES))
    for name, h in series.items():
        values = [h.get_value_at_percentile(p) for p in PERCENTILES]
        cells = " ".join(f"{v:>6}us" for v in values)
        print(f"{name:8} {h.get_total_count():>7} {cells}   p50 = {values[0] / base:.1f}x submit")


if __name__ == "__main__":
    main()
