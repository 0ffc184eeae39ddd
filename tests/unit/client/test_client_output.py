"""Table and JSON rendering for the CLI."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import grpc

from fillgate.v1 import alert_pb2 as alert_pb
from fillgate.v1 import execution_service_pb2 as svc_pb
from fillgate_client import _convert, _output
from fillgate_client.errors import FailedPreconditionError, InvalidArgumentError
from fillgate_client.types import OrderState, Side


def test_format_table_mixed_columns_numbers_right_text_left() -> None:
    text = _output.format_table(
        ["SYMBOL", "QTY", "SIDE"],
        [["BTC-USD", Decimal("1.5"), Side.BUY], ["ETH", Decimal("-12.25"), Side.SELL]],
    )
    assert text.splitlines() == [
        "SYMBOL      QTY  SIDE",
        "BTC-USD     1.5  buy",
        "ETH      -12.25  sell",
    ]


def test_format_table_none_cells_blank_and_column_still_numeric() -> None:
    text = _output.format_table(["A", "PRICE"], [["x", None], ["y", Decimal("10")]])
    assert text.splitlines() == ["A  PRICE", "x", "y     10"]


def test_format_table_no_rows_prints_header_only() -> None:
    assert _output.format_table(["A", "B"], []) == "A  B"


def test_format_value_decimals_never_in_exponent_notation() -> None:
    assert _output.format_value(Decimal("1E-8")) == "0.00000001"
    assert _output.format_value(Decimal("2E+3")) == "2000"


def test_format_value_datetime_shown_in_utc_to_milliseconds() -> None:
    moment = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert _output.format_value(moment) == "2024-05-01 12:00:00.123"


def test_format_value_enum_shown_as_hyphenated_label() -> None:
    assert _output.format_value(OrderState.PARTIALLY_FILLED) == "partially-filled"


def test_to_jsonable_order_decimals_strings_enums_names(pb: SimpleNamespace) -> None:
    data = _output.to_jsonable(_convert.order_from_proto(pb.order()))
    assert data["quantity"] == "0.00012345"
    assert data["limit_price"] == "100.50"
    assert data["side"] == "SELL"
    assert data["tags"] == {"desk": "a", "note": "x=y"}
    assert data["create_time"] == "2024-05-01T12:00:00.123456+00:00"
    json.dumps(data)  # nothing left that JSON cannot hold


def test_event_json_report_one_line_tagged_with_kind(pb: SimpleNamespace) -> None:
    line = _output.event_json(_convert.execution_report_from_proto(pb.report(7)))
    assert "\n" not in line
    data = json.loads(line)
    assert data["event"] == "execution_report"
    assert data["sequence"] == 7
    assert data["last_price"] == "99.5"


def test_orders_table_orders_one_row_each(pb: SimpleNamespace) -> None:
    orders = [_convert.order_from_proto(pb.order(f"ord-{i}")) for i in (1, 2)]
    lines = _output.orders_table(orders).splitlines()
    assert lines[0].split()[:3] == ["ORDER_ID", "CLIENT_ORDER_ID", "ACCOUNT"]
    assert [line.split()[0] for line in lines[1:]] == ["ord-1", "ord-2"]


def test_orders_table_empty_says_so() -> None:
    assert _output.orders_table([]) == "no orders"


def test_positions_text_snapshot_shows_positions_and_totals(pb: SimpleNamespace) -> None:
    text = _output.positions_text([_convert.account_positions_from_proto(pb.account_positions())])
    assert text.startswith("account paper\n")
    assert "BTC-USD" in text
    assert "100153.00" in text  # cash, in the totals table
    assert "totals" in text


def test_restrictions_table_none_says_trading_active() -> None:
    assert "all trading is active" in _output.restrictions_table([])


def test_event_line_trade_shows_sequence_fill_and_state(pb: SimpleNamespace) -> None:
    line = _output.event_line(_convert.execution_report_from_proto(pb.report(42)))
    assert line.lstrip().startswith("42")
    assert "last 0.5 @ 99.5" in line
    assert "filled" in line


def test_print_error_human_lists_field_violations() -> None:
    error = InvalidArgumentError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "order is invalid",
        reason="INVALID_ORDER",
        field_violations=[("limit_price", "required for limit orders")],
    )
    stream = io.StringIO()
    _output.print_error(error, stream)
    assert stream.getvalue().splitlines() == [
        "error: INVALID_ARGUMENT INVALID_ORDER: order is invalid",
        "  limit_price: required for limit orders",
    ]


def test_print_error_json_carries_reason_and_metadata() -> None:
    error = FailedPreconditionError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "account paper is halted",
        reason="TRADING_HALTED",
        metadata={"account": "paper"},
    )
    stream = io.StringIO()
    _output.print_error(error, stream, as_json=True)
    data = json.loads(stream.getvalue())["error"]
    assert data["code"] == "FAILED_PRECONDITION"
    assert data["reason"] == "TRADING_HALTED"
    assert data["metadata"] == {"account": "paper"}


def test_print_error_violation_already_in_message_not_repeated() -> None:
    error = InvalidArgumentError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "limit_price: is required for a LIMIT order",
        reason="INVALID_ARGUMENT",
        field_violations=[("limit_price", "is required for a LIMIT order"), ("tif", "bad")],
    )
    stream = io.StringIO()
    _output.print_error(error, stream)
    assert stream.getvalue().splitlines() == [
        "error: INVALID_ARGUMENT: limit_price: is required for a LIMIT order",
        "  tif: bad",
    ]


def test_print_error_precondition_violation_without_subject_has_no_gap() -> None:
    error = FailedPreconditionError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "denied",
        precondition_violations=[("MAX_NOTIONAL", "", "order notional 9000 exceeds 5000")],
    )
    assert _output.violation_lines(error) == ["MAX_NOTIONAL: order notional 9000 exceeds 5000"]


def test_positions_text_shows_entry_time_and_age(pb: SimpleNamespace) -> None:
    text = _output.positions_text([_convert.account_positions_from_proto(pb.account_positions())])

    header, row = text.splitlines()[1:3]
    assert header.split()[-2:] == ["OPENED", "AGE"]
    assert "2024-05-01 12:00:01.500" in row  # T2, the sample's open_time
    assert row.split()[-1].endswith("h")  # over a day old: days and hours


def test_event_line_denial_shows_sequence_order_and_reason() -> None:
    denial = _convert.stream_event_from_proto(
        svc_pb.StreamFillsResponse(
            denial=alert_pb.Denial(
                sequence=7,
                account="paper",
                symbol="BTC-USD",
                side=1,
                quantity="0.5",
                type=2,
                limit_price="49000",
                client_order_id="c-1",
                reason="TRADING_HALTED",
                message="trading is halted",
            )
        )
    )
    line = _output.event_line(denial)  # type: ignore[arg-type]
    assert " ".join(line.split()) == (
        "7 DENIED paper BTC-USD buy 0.5 @ 49000 [c-1]: TRADING_HALTED: trading is halted"
    )
