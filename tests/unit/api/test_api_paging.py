"""One page-token scheme for every paged list."""

from __future__ import annotations

import pytest

from fillgate.api.paging import page_start, page_token
from fillgate.domain.errors import InvalidArgument


def test_page_token_round_trips_its_position() -> None:
    assert page_start("orders", page_token("orders", 12345)) == 12345


def test_page_start_empty_token_is_the_beginning() -> None:
    assert page_start("executions", "") == 0


def test_page_start_token_of_another_list_is_invalid() -> None:
    with pytest.raises(InvalidArgument):
        page_start("executions", page_token("orders", 3))


@pytest.mark.parametrize(
    "token",
    [
        "seq:\u00b2",
        "seq:\u0661\u0662",
        "seq:12",
        "b3JkZXJzOsKy",
        "b3JkZXJzOtmh2aI=",
        "b3JkZXJzOjE",
        "==",
        "\u00e9",
    ],
)
def test_page_start_forged_token_is_invalid_naming_page_token(token: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        page_start("orders", token)
    assert [f for f, _ in err.value.violations] == ["page_token"]
