"""Mapping gRPC errors with google.rpc.Status details to the client's exceptions."""

from __future__ import annotations

from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from fillgate_client import errors
from fillgate_client.errors import (
    STATUS_DETAILS_KEY,
    FailedPreconditionError,
    FillgateError,
    InvalidArgumentError,
    OtherRpcError,
    from_rpc_error,
    translate_errors,
)


class FakeRpcError(grpc.RpcError):
    """A sync-style RpcError, as raised by a unary call on a grpc.Channel."""

    def __init__(self, code: grpc.StatusCode, details: str, trailers: Any = ()) -> None:
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> Any:
        return self._trailers


def rich_status(
    code: grpc.StatusCode,
    message: str,
    *,
    reason: str = "",
    metadata: dict[str, str] | None = None,
    violations: list[tuple[str, str]] | None = None,
    preconditions: list[tuple[str, str, str]] | None = None,
) -> bytes:
    """Return a serialized google.rpc.Status as the server would attach it."""
    status = status_pb2.Status(code=code.value[0], message=message)
    details: list[Any] = []
    if reason:
        details.append(
            error_details_pb2.ErrorInfo(reason=reason, domain="fillgate", metadata=metadata or {})
        )
    if violations:
        bad = error_details_pb2.BadRequest()
        for field, description in violations:
            bad.field_violations.add(field=field, description=description)
        details.append(bad)
    if preconditions:
        failure = error_details_pb2.PreconditionFailure()
        for kind, subject, description in preconditions:
            failure.violations.add(type=kind, subject=subject, description=description)
        details.append(failure)
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    return status.SerializeToString()


def test_from_rpc_error_error_info_and_bad_request_fill_every_attribute() -> None:
    trailers = (
        ("content-type", "application/grpc"),
        (
            STATUS_DETAILS_KEY,
            rich_status(
                grpc.StatusCode.INVALID_ARGUMENT,
                "order is invalid",
                reason="INVALID_ORDER",
                metadata={"symbol": "BTC-USD"},
                violations=[("quantity", "must be positive"), ("limit_price", "required")],
            ),
        ),
    )
    error = from_rpc_error(
        FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "order is invalid", trailers)
    )
    assert type(error) is InvalidArgumentError
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_ORDER"
    assert error.domain == "fillgate"
    assert error.message == "order is invalid"
    assert error.metadata == {"symbol": "BTC-USD"}
    assert error.field_violations == [
        ("quantity", "must be positive"),
        ("limit_price", "required"),
    ]


def test_from_rpc_error_precondition_failure_collects_violations() -> None:
    payload = rich_status(
        grpc.StatusCode.FAILED_PRECONDITION,
        "account paper is halted",
        reason="TRADING_HALTED",
        metadata={"account": "paper"},
        preconditions=[("TRADING_STATE", "account/paper", "halted")],
    )
    error = from_rpc_error(
        FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, "x", ((STATUS_DETAILS_KEY, payload),))
    )
    assert isinstance(error, FailedPreconditionError)
    assert error.message == "account paper is halted"  # the Status message wins
    assert error.precondition_violations == [("TRADING_STATE", "account/paper", "halted")]
    assert str(error) == "FAILED_PRECONDITION TRADING_HALTED: account paper is halted"


def test_from_rpc_error_aio_error_with_aio_metadata_maps_the_same() -> None:
    payload = rich_status(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", reason="RATE_LIMITED")
    aio_error = grpc.aio.AioRpcError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.aio.Metadata(),
        grpc.aio.Metadata((STATUS_DETAILS_KEY, payload)),
        "slow down",
    )
    error = from_rpc_error(aio_error)
    assert isinstance(error, errors.ResourceExhaustedError)
    assert error.reason == "RATE_LIMITED"


def test_from_rpc_error_no_details_uses_call_details() -> None:
    error = from_rpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused"))
    assert isinstance(error, errors.UnavailableError)
    assert (error.reason, error.message, error.metadata) == ("", "connection refused", {})
    assert str(error) == "UNAVAILABLE: connection refused"


def test_from_rpc_error_garbage_details_still_maps_code() -> None:
    trailers = ((STATUS_DETAILS_KEY, b"\xff\xfe not a status"),)
    error = from_rpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "no such order", trailers))
    assert isinstance(error, errors.NotFoundError)
    assert error.message == "no such order"


def test_from_rpc_error_bare_rpc_error_maps_to_unknown() -> None:
    error = from_rpc_error(grpc.RpcError())
    assert isinstance(error, OtherRpcError)
    assert error.code is grpc.StatusCode.UNKNOWN


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, errors.InvalidArgumentError),
        (grpc.StatusCode.NOT_FOUND, errors.NotFoundError),
        (grpc.StatusCode.ALREADY_EXISTS, errors.AlreadyExistsError),
        (grpc.StatusCode.FAILED_PRECONDITION, errors.FailedPreconditionError),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, errors.ResourceExhaustedError),
        (grpc.StatusCode.OUT_OF_RANGE, errors.OutOfRangeError),
        (grpc.StatusCode.UNAVAILABLE, errors.UnavailableError),
        (grpc.StatusCode.INTERNAL, errors.OtherRpcError),
        (grpc.StatusCode.DEADLINE_EXCEEDED, errors.OtherRpcError),
    ],
)
def test_from_rpc_error_status_code_picks_class(
    code: grpc.StatusCode, expected: type[FillgateError]
) -> None:
    assert type(from_rpc_error(FakeRpcError(code, "m"))) is expected


@pytest.mark.parametrize("code", [c for c in grpc.StatusCode if c is not grpc.StatusCode.OK])
def test_from_rpc_error_every_status_code_is_a_fillgate_error(code: grpc.StatusCode) -> None:
    error = from_rpc_error(FakeRpcError(code, "m"))
    assert isinstance(error, FillgateError)
    assert error.code is code


def test_translate_errors_rpc_error_raised_as_fillgate_error_with_cause() -> None:
    original = FakeRpcError(grpc.StatusCode.ALREADY_EXISTS, "dup")
    with pytest.raises(errors.AlreadyExistsError) as caught, translate_errors():
        raise original
    assert caught.value.__cause__ is original


def test_translate_errors_other_exceptions_pass_through() -> None:
    with pytest.raises(KeyError), translate_errors():
        raise KeyError("x")
