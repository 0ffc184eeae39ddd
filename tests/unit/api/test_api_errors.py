"""Errors stay short: ``to_status`` caps what an error repeats."""

from __future__ import annotations

from google.rpc import error_details_pb2, status_pb2

from fillgate.api.errors import to_status
from fillgate.domain.errors import FailedPrecondition, InvalidArgument, Violations


def _bad_request(status: status_pb2.Status) -> error_details_pb2.BadRequest:
    for packed in status.details:
        if packed.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            out = error_details_pb2.BadRequest()
            packed.Unpack(out)
            return out
    raise AssertionError("no BadRequest")


def _refusal(count: int, value: str = "x") -> InvalidArgument:
    v = Violations()
    for i in range(count):
        v.add("accounts", f"unknown account {value + str(i)!r}")
    return InvalidArgument(v.items, metadata={"fields": "accounts"})


def test_to_status_many_violations_lists_a_few_and_says_how_many_more() -> None:
    status = to_status(_refusal(1000))
    violations = _bad_request(status).field_violations
    assert 1 <= len(violations) <= 5
    assert "995 more" in status.message or f"{1000 - len(violations)} more" in status.message


def test_to_status_long_values_are_cut_short() -> None:
    status = to_status(_refusal(3, "\u00e9" * 5000))
    assert all(len(v.description.encode()) <= 128 for v in _bad_request(status).field_violations)
    assert len(status.message.encode()) <= 512


def test_to_status_huge_metadata_stays_under_two_kilobytes() -> None:
    metadata = {f"key-{i}-" + "k" * 200: "v" * 5000 for i in range(50)}
    status = to_status(FailedPrecondition("SOME_REASON", "m" * 9000, metadata))
    assert status.ByteSize() < 2048


def test_to_status_worst_case_refusal_stays_under_two_kilobytes() -> None:
    violations = [(f"field_{i}_" + "f" * 300, "d" * 3000) for i in range(200)]
    metadata = {"fields": ",".join(f for f, _ in violations)}
    status = to_status(InvalidArgument(violations, "R" * 500, metadata))
    assert status.ByteSize() < 2048
