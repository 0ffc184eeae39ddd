"""Request builders: decimals, enums, ids and field presence."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fillgate.v1 import order_pb2, trading_state_pb2
from fillgate_client import _requests
from fillgate_client.types import HaltScope, OrderState, OrderType, Side, TimeInForce, TradingMode


@pytest.mark.parametrize(
    "build",
    [
        lambda: _requests.submit_order("a", "S", Side.BUY, 1.5),
        lambda: _requests.submit_order("a", "S", Side.BUY, 1, limit_price=100.1),
        lambda: _requests.submit_order("a", "S", Side.BUY, 1, stop_price=99.0),
        lambda: _requests.replace_order("o", quantity=2.0),
        lambda: _requests.replace_order("o", limit_price=0.1),
        lambda: _requests.set_reference_price("S", 65000.5),
    ],
    ids=["quantity", "limit", "stop", "replace-qty", "replace-limit", "reference-price"],
)
def test_builders_float_money_raises_type_error(build: object) -> None:
    with pytest.raises(TypeError, match="not float"):
        build()  # type: ignore[operator]


def test_decimal_string_bool_raises_type_error() -> None:
    with pytest.raises(TypeError):
        _requests.decimal_string(True, "quantity")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.00012345"), "0.00012345"),
        (Decimal("1E-7"), "0.0000001"),
        ("1e2", "100"),
        ("100.50", "100.50"),
        (" 2 ", "2"),
        (5, "5"),
        (-3, "-3"),
    ],
)
def test_decimal_string_accepted_types_sent_plain(
    value: Decimal | str | int, expected: str
) -> None:
    assert _requests.decimal_string(value, "price") == expected


@pytest.mark.parametrize("value", ["abc", "", "1,5", "NaN", "Infinity", Decimal("NaN")])
def test_decimal_string_invalid_or_non_finite_raises_value_error(value: str | Decimal) -> None:
    with pytest.raises(ValueError, match="price"):
        _requests.decimal_string(value, "price")


@pytest.mark.parametrize("value", ["\u0661", "\uff11", "\U0001d7d9", "\u0663.\u0665", "1\u00a0"])
def test_decimal_string_non_ascii_text_raises_value_error(value: str) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        _requests.decimal_string(value, "quantity")


def test_submit_order_no_client_order_id_generates_unique_hex() -> None:
    first = _requests.submit_order("a", "S", Side.BUY, 1)
    second = _requests.submit_order("a", "S", Side.BUY, 1)
    assert len(first.client_order_id) == 32
    int(first.client_order_id, 16)
    assert first.client_order_id != second.client_order_id


def test_submit_order_all_options_set_request_fields() -> None:
    request = _requests.submit_order(
        "paper",
        "BTC-USD",
        "sell",
        "0.5",
        type="stop-limit",
        limit_price=Decimal("100.10"),
        stop_price=101,
        time_in_force=TimeInForce.IOC,
        client_order_id="cid-9",
        strategy_id="s1",
        tags={"k": "v"},
        reduce_only=True,
    )
    assert request.side == order_pb2.SIDE_SELL
    assert request.type == order_pb2.ORDER_TYPE_STOP_LIMIT
    assert request.time_in_force == order_pb2.TIME_IN_FORCE_IOC
    assert (request.quantity, request.limit_price, request.stop_price) == ("0.5", "100.10", "101")
    assert request.client_order_id == "cid-9"
    assert request.strategy_id == "s1"
    assert dict(request.tags) == {"k": "v"}
    assert request.reduce_only is True


def test_submit_order_defaults_market_gtc_without_prices() -> None:
    request = _requests.submit_order("a", "S", Side.BUY, 1)
    assert request.type == order_pb2.ORDER_TYPE_MARKET
    assert request.time_in_force == order_pb2.TIME_IN_FORCE_GTC
    assert request.limit_price == ""
    assert request.stop_price == ""


def test_enum_values_match_proto_numbers() -> None:
    assert Side.BUY.value == order_pb2.SIDE_BUY
    assert OrderType.STOP_LIMIT.value == order_pb2.ORDER_TYPE_STOP_LIMIT
    assert OrderState.EXPIRED.value == order_pb2.ORDER_STATE_EXPIRED
    assert TradingMode.HALTED.value == trading_state_pb2.TRADING_MODE_HALTED
    assert HaltScope.STRATEGY.value == trading_state_pb2.HALT_SCOPE_STRATEGY


@pytest.mark.parametrize("name", ["sideways", "unspecified"])
def test_enum_parse_unknown_or_unspecified_raises_value_error(name: str) -> None:
    with pytest.raises(ValueError, match="choose from buy, sell"):
        Side.parse(name)


def test_enum_number_wrong_type_raises_type_error() -> None:
    with pytest.raises(TypeError):
        _requests.enum_number(Side, OrderType.LIMIT, "side")  # type: ignore[arg-type]


def test_order_ref_neither_id_raises_value_error() -> None:
    with pytest.raises(ValueError, match="order_id"):
        _requests.cancel_order(account="paper")


def test_order_ref_client_order_id_sets_account_and_id() -> None:
    request = _requests.get_order(account="paper", client_order_id="c1")
    assert (request.order.order_id, request.order.account) == ("", "paper")
    assert request.order.client_order_id == "c1"


def test_replace_order_unset_terms_left_empty() -> None:
    request = _requests.replace_order("o1", limit_price="99.5")
    assert (request.quantity, request.limit_price, request.stop_price) == ("", "99.5", "")


def test_stream_fills_from_sequence_none_leaves_field_absent() -> None:
    assert not _requests.stream_fills().HasField("from_sequence")


def test_stream_fills_from_sequence_zero_sets_field_present() -> None:
    request = _requests.stream_fills(from_sequence=0, heartbeat_interval_ms=250)
    assert request.HasField("from_sequence")
    assert request.from_sequence == 0
    assert request.heartbeat_interval_ms == 250


def test_stream_fills_single_string_account_kept_whole() -> None:
    request = _requests.stream_fills(accounts="paper", symbols=["A", "B"])
    assert list(request.accounts) == ["paper"]
    assert list(request.symbols) == ["A", "B"]


def test_list_orders_states_sent_as_numbers() -> None:
    request = _requests.list_orders(states=[OrderState.FILLED, "partially-filled"], page_size=5)
    assert list(request.states) == [
        order_pb2.ORDER_STATE_FILLED,
        order_pb2.ORDER_STATE_PARTIALLY_FILLED,
    ]
    assert request.page_size == 5


def test_halt_no_requested_by_uses_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_requests.getpass, "getuser", lambda: "alice")
    request = _requests.halt(HaltScope.ALL, reason="test")
    assert request.requested_by == "alice"
    assert request.mode == trading_state_pb2.TRADING_MODE_HALTED
    assert request.scope == trading_state_pb2.HALT_SCOPE_ALL


def test_resume_os_user_unknown_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise OSError("no user")

    monkeypatch.setattr(_requests.getpass, "getuser", no_user)
    request = _requests.resume("account", "paper", "ok")
    assert request.requested_by == "unknown"
    assert request.scope == trading_state_pb2.HALT_SCOPE_ACCOUNT
