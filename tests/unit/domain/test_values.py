"""Decimal parsing: the wire grammar is ASCII digits with one optional point."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fillgate.domain.values import DecimalFormatError, parse_decimal

UNICODE_DIGITS = [
    "\u0661",
    "\uff11",
    "\U0001d7d9",
    "\u0663.\u0665",
    "\u00b2",
    "\u2460",
    "1\u00b2",
    "\u0660.5",
    "\u09ed",
    "1\u0660",
]


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_parse_decimal_unicode_digits_are_refused(text: str) -> None:
    with pytest.raises(DecimalFormatError, match="not a decimal number"):
        parse_decimal(text)


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "1E-2",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        " 1",
        "1 ",
        "1_000",
        "1,5",
        "0x10",
        "1..2",
        "1.2.3",
        ".",
        "+1",
        "--1",
        "+",
        "-",
        "1.",
        ".5",
        "\t1",
        "1\n",
    ],
)
def test_parse_decimal_anything_but_digits_and_one_point_is_refused(text: str) -> None:
    with pytest.raises(DecimalFormatError):
        parse_decimal(text)


def test_parse_decimal_negative_is_refused_unless_the_caller_allows_it() -> None:
    with pytest.raises(DecimalFormatError, match="must not be negative"):
        parse_decimal("-1.5")
    assert parse_decimal("-1.5", allow_negative=True) == Decimal("-1.5")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", Decimal(1)),
        ("0.5", Decimal("0.5")),
        ("0012.340", Decimal("12.34")),
        ("123456789012345678.000000000001", Decimal("123456789012345678.000000000001")),
    ],
)
def test_parse_decimal_plain_ascii_decimal_is_its_value(text: str, value: Decimal) -> None:
    assert parse_decimal(text) == value


def test_parse_decimal_error_does_not_echo_a_long_value() -> None:
    with pytest.raises(DecimalFormatError) as err:
        parse_decimal("q" * 60)
    assert "qqq" not in str(err.value)
