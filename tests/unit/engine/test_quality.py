"""Execution-quality arithmetic on hand-made execution reports (engine/quality.py)."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.domain import events as ev
from fillgate.domain.enums import ExecType, OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.engine.quality import GroupBy, QualityBook, distribution

MS = 1_000_000


def _order(order_id: str, side: Side, **kw: object) -> Order:
    base: dict[str, object] = {
        "order_id": order_id,
        "client_order_id": order_id,
        "account": "paper",
        "symbol": "BTC-USD",
        "side": side,
        "type": OrderType.LIMIT,
        "time_in_force": TimeInForce.GTC,
        "quantity": D(2),
        "limit_price": D(101),
        "venue": "paper",
        "arrival_price": D(100),
    }
    return Order(**{**base, **kw})  # type: ignore[arg-type]


def _report(order: Order, event: ev.OrderEvent) -> ExecutionReport:
    return ExecutionReport(
        exec_id="x", exec_type=ExecType.NEW, order=order, event=event, monotonic_ns=0
    )


def _feed(book: QualityBook, order: Order, t0: int, fills: list[tuple[str, str]]) -> None:
    book.add(_report(order, ev.OrderAccepted(order_id=order.order_id, ts_ns=t0, order=order)))
    acked = order.evolve({"state": OrderState.NEW})
    book.add(
        _report(
            acked,
            ev.OrderAcknowledged(order_id=order.order_id, ts_ns=t0 + 2 * MS, venue_order_id="v"),
        )
    )
    filled_q = D(0)
    for i, (q, p) in enumerate(fills):
        filled_q += D(q)
        state = OrderState.FILLED if filled_q == order.quantity else OrderState.PARTIALLY_FILLED
        now = acked.evolve({"state": state, "filled_quantity": filled_q, "fees": D("0.5")})
        event = ev.OrderFilled(
            order_id=order.order_id,
            ts_ns=t0 + (5 + i) * MS,
            venue_exec_id=f"e{i}",
            quantity=D(q),
            price=D(p),
            fee=D("0.5"),
        )
        book.add(_report(now, event))


def test_quality_buy_above_arrival_is_positive_slippage_in_bps_and_money():
    book = QualityBook(GroupBy.VENUE)
    _feed(book, _order("o1", Side.BUY), 0, [("1", "100.5"), ("1", "101")])
    (row,) = book.rows()
    assert row.key == "paper"
    assert row.slippage_arrival_bps.count == 2
    assert row.slippage_arrival_bps.mean == D("75.00")  # 50 and 100 bps
    assert row.slippage_arrival_bps.p50 == D("50.00")
    assert row.slippage_arrival_bps.p95 == D("100.00")
    assert row.slippage_arrival_money == D("1.5")
    assert row.implementation_shortfall == D("2.0")  # 1.5 executed + 0.5 fees
    assert row.slippage_limit_bps.mean == D("-24.75")  # price improvement vs 101


def test_quality_sell_below_arrival_is_a_cost():
    book = QualityBook(GroupBy.VENUE)
    _feed(book, _order("o1", Side.SELL, limit_price=D(99)), 0, [("2", "99.5")])
    (row,) = book.rows()
    assert row.slippage_arrival_bps.mean == D("50.00")
    assert row.slippage_arrival_money == D("1.0")


def test_quality_rates_and_latency_per_group():
    book = QualityBook(GroupBy.SYMBOL)
    _feed(book, _order("o1", Side.BUY), 0, [("2", "100")])
    _feed(book, _order("o2", Side.BUY, symbol="ETH-USD"), 0, [])
    (btc, eth) = book.rows()
    assert (btc.key, btc.orders, btc.filled, btc.fill_rate) == ("BTC-USD", 1, 1, D(1))
    assert (eth.key, eth.orders, eth.filled, eth.fill_rate) == ("ETH-USD", 1, 0, D(0))
    assert btc.ack_ms.p50 == D("2.00")
    assert btc.first_fill_ms.p50 == D("5.00")
    assert eth.first_fill_ms.count == 0 and eth.first_fill_ms.mean is None


def test_quality_window_keeps_only_orders_accepted_inside():
    book = QualityBook(GroupBy.VENUE, start_ns=10, end_ns=20)
    _feed(book, _order("early", Side.BUY), 5, [("2", "100")])
    _feed(book, _order("inside", Side.BUY), 10, [("2", "100")])
    _feed(book, _order("late", Side.BUY), 20, [("2", "100")])
    (row,) = book.rows()
    assert row.orders == 1


def test_quality_order_without_arrival_price_has_no_arrival_slippage():
    book = QualityBook(GroupBy.VENUE)
    _feed(book, _order("o1", Side.BUY, arrival_price=None), 0, [("2", "100.5")])
    (row,) = book.rows()
    assert row.slippage_arrival_bps.count == 0
    assert row.implementation_shortfall == D(0)


def test_distribution_nearest_rank_percentiles():
    d = distribution(D(v) for v in range(1, 101))
    assert (d.count, d.mean, d.p50, d.p95) == (100, D("50.50"), D("50.00"), D("95.00"))
