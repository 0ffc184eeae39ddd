"""Stop-limit brackets at Binance spot (issue 13): with one take-profit the stop-limit
rests as the ``STOP_LOSS_LIMIT`` leg of ONE OCO order list; in any other shape the
stop is held by fillgate and, once the mark reaches it, closes with a LIMIT order at
the stop-limit's limit instead of at market. A trailing stop is still refused there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from fakes.binance import FakeBinance
from fakes.gateway import ACCOUNT, Gateway, eventually

from fillgate.contingent.bracket import BracketSpec, Exit, ExitKind, TakeProfit
from fillgate.contingent.trailing import StopTerms
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.errors import InvalidArgument
from fillgate.domain.orders import Order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QTY = Decimal("0.01")
OCO_PATH = "/api/v3/orderList/oco"
#: Stop 5 % under the 50000 fill (47500), its limit 100 lower (47400).
STOP_LIMIT = StopTerms(limit_offset=Decimal(100))


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Gateway]:
    fake = FakeBinance()
    await fake.start()
    for key, value in fake.environment().items():
        monkeypatch.setenv(key, value)
    gw = Gateway(fake, tmp_path / "journal")
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()
        await fake.stop()


def _spec(*fractions: str, stop: Exit | None = None) -> BracketSpec:
    return BracketSpec(
        stop or Exit(ExitKind.PERCENT, Decimal(5)),
        tuple(
            TakeProfit(Exit(ExitKind.PERCENT, Decimal(5 * n)), fraction=Decimal(f))
            for n, f in enumerate(fractions, 1)
        ),
        STOP_LIMIT,
    )


def _entry(client_order_id: str) -> SubmitOrder:
    return SubmitOrder(
        account=ACCOUNT,
        symbol="BTC-USD",
        side=Side.BUY,
        quantity=QTY,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        client_order_id=client_order_id,
    )


async def _armed(gw: Gateway, client_order_id: str, *fractions: str) -> tuple[str, Order]:
    """A filled bracket entry and its first take-profit, resting."""
    assert gw.parts is not None
    list_id = (await gw.parts.brackets.submit(_entry(client_order_id), _spec(*fractions))).list_id
    await gw.until(list_id, OrderState.FILLED)
    await eventually(lambda: gw.member(list_id, "tp.1") is not None)
    target = gw.member(list_id, "tp.1")
    assert target is not None
    return list_id, await gw.until(target.order_id, OrderState.NEW)


def _oco_posts(fake: FakeBinance) -> list[dict[str, str]]:
    return [dict(parse_qsl(r.params)) for r in fake.requests if r.path == OCO_PATH]


async def test_ccxt_bracket_stop_limit_with_one_take_profit_rests_as_stop_loss_limit_leg(
    gateway: Gateway,
) -> None:
    list_id, _ = await _armed(gateway, "sl-1", "1")
    stop = gateway.member(list_id, "sl")
    assert stop is not None

    (oco,) = _oco_posts(gateway.fake)
    assert (oco["belowType"], oco["belowTimeInForce"]) == ("STOP_LOSS_LIMIT", "GTC")
    assert (Decimal(oco["belowStopPrice"]), Decimal(oco["belowPrice"])) == (
        Decimal(47500),
        Decimal(47400),
    )
    assert (stop.type, dict(stop.tags).get("ct.native")) == (OrderType.STOP_LIMIT, "oco")


async def test_ccxt_oco_stop_limit_leg_triggered_fills_at_its_limit_and_position_is_flat(
    gateway: Gateway,
) -> None:
    list_id, target = await _armed(gateway, "sl-2", "1")
    stop = gateway.member(list_id, "sl")
    assert stop is not None

    gateway.fake.set_price(Decimal(47450))  # through the stop, not through its limit

    filled = await gateway.until(stop.order_id, OrderState.FILLED)
    await gateway.until(target.order_id, OrderState.EXPIRED)
    price = filled.average_fill_price
    assert filled.filled_quantity == QTY and price is not None and price >= Decimal(47400)
    assert gateway.parts is not None
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0


async def test_ccxt_ladder_with_stop_limit_held_stop_reached_closes_with_a_limit_order(
    gateway: Gateway,
) -> None:
    list_id, target = await _armed(gateway, "sl-3", "0.5", "0.5")
    assert gateway.member(list_id, "sl") is None and _oco_posts(gateway.fake) == []
    assert gateway.parts is not None

    gateway.fake.set_price(Decimal(47450))
    gateway.parts.engine.set_reference_price(
        SetReferencePrice(symbol="BTC-USD", price=Decimal(47450))
    )

    await eventually(lambda: gateway.member(list_id, "sl") is not None)
    stop = gateway.member(list_id, "sl")
    assert stop is not None
    assert (stop.type, stop.limit_price, stop.quantity) == (OrderType.LIMIT, Decimal(47400), QTY)
    await gateway.until(target.order_id, OrderState.CANCELED)
    await gateway.until(stop.order_id, OrderState.FILLED)
    assert gateway.parts.engine.book.quantity(ACCOUNT, "BTC-USD") == 0


async def test_ccxt_bracket_trailing_stop_is_refused_naming_stop_loss(gateway: Gateway) -> None:
    assert gateway.parts is not None
    spec = _spec("1", stop=Exit(ExitKind.TRAIL, Decimal(500)))

    with pytest.raises(InvalidArgument) as refused:
        await gateway.parts.brackets.submit(_entry("sl-4"), spec)

    assert [field for field, _ in refused.value.violations] == ["stop_loss"]
    assert not gateway.parts.engine.state.orders.orders  # nothing placed
