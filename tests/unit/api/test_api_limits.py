"""The contract's size limits: one table, every string and repeated request field in it."""

from __future__ import annotations

import pytest
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from fillgate.api.limits import LIMITS, violations
from fillgate.app import SERVICE_NAMES
from fillgate.v1 import execution_service_pb2 as pb


def _request_fields() -> set[str]:
    """Every string, repeated and map field reachable from a request message."""
    seen: set[str] = set()
    out: set[str] = set()

    def walk(message: Descriptor) -> None:
        if message.full_name in seen or message.full_name.startswith("google.protobuf."):
            return
        seen.add(message.full_name)
        for field in message.fields:
            if field.type == FieldDescriptor.TYPE_STRING or _is_repeated(field):
                out.add(field.full_name)
            if field.message_type is not None:
                walk(field.message_type)

    pool = descriptor_pool.Default()
    for name in SERVICE_NAMES:
        for method in pool.FindServiceByName(name).methods:
            walk(method.input_type)
    return out


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def test_limits_table_names_every_string_and_repeated_request_field() -> None:
    missing = _request_fields() - set(LIMITS)
    assert not missing, f"fields without a limit in api/limits.py: {sorted(missing)}"


def test_limits_table_names_no_field_the_contract_lacks() -> None:
    assert not set(LIMITS) - _request_fields()


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.SubmitOrderRequest(account="a" * 65), "account"),
        (pb.SubmitOrderRequest(tags={"k" * 65: "v"}), "tags"),
        (pb.CancelOrderRequest(order=pb.OrderRef(order_id="o" * 65)), "order.order_id"),
        (pb.GetPositionsRequest(accounts=["a"] * 101), "accounts"),
        (pb.GetPositionsRequest(accounts=["a" * 65]), "accounts[0]"),
        (pb.ListOrdersRequest(page_token="t" * 129), "page_token"),
    ],
)
def test_violations_over_limit_names_the_field(request_: object, field: str) -> None:
    assert field in {f for f, _ in violations(request_)}


def test_violations_within_limits_is_empty() -> None:
    request = pb.SubmitOrderRequest(
        account="a" * 64, client_order_id="c" * 64, tags={"k" * 64: "v" * 256}
    )
    assert violations(request) == []
