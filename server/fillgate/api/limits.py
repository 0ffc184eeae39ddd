"""The contract's size limits: one table, checked at the edge before any handler runs.

Every string and every repeated or map field of every request message has a
limit here (a test walks the service descriptors to keep it so), and the proto
comments state the same numbers. Strings are measured in characters (code
points), lists and maps in entries. The check is syntactic: whether a name is
configured is the handler's business; a size limit only keeps a request, its
journal record and its error answer bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from fillgate.engine.validation import MAX_ID_LENGTH, MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS

ID = MAX_ID_LENGTH  # client_order_id, order_id, strategy_id
NAME = 64  # accounts, symbols, halt targets
DECIMAL = 64  # decimal strings (see domain.values.parse_decimal)
TEXT = 256  # free text: a halt's reason
WHO = 128  # requested_by
TOKEN = 128  # page tokens (ours are under 40 characters)
FILTER = 100  # entries of an accounts/symbols filter
STATES = 16  # entries of an order-state filter (there are 9 states)


@dataclass(frozen=True, slots=True)
class Limit:
    """``length``: most characters of a string (or of each item); ``items``: most entries."""

    length: int = 0
    items: int = 0


_P = "fillgate.v1."

#: Field full name -> limit. Map fields are limited by entries; their key and value
#: fields (``...TagsEntry.key``) by length.
LIMITS: dict[str, Limit] = {
    # ExecutionService
    _P + "SubmitOrderRequest.account": Limit(NAME),
    _P + "SubmitOrderRequest.symbol": Limit(NAME),
    _P + "SubmitOrderRequest.quantity": Limit(DECIMAL),
    _P + "SubmitOrderRequest.limit_price": Limit(DECIMAL),
    _P + "SubmitOrderRequest.stop_price": Limit(DECIMAL),
    _P + "SubmitOrderRequest.client_order_id": Limit(ID),
    _P + "SubmitOrderRequest.strategy_id": Limit(ID),
    _P + "SubmitOrderRequest.tags": Limit(items=MAX_TAGS),
    _P + "SubmitOrderRequest.TagsEntry.key": Limit(MAX_TAG_KEY),
    _P + "SubmitOrderRequest.TagsEntry.value": Limit(MAX_TAG_VALUE),
    _P + "OrderRef.order_id": Limit(ID),
    _P + "OrderRef.account": Limit(NAME),
    _P + "OrderRef.client_order_id": Limit(ID),
    _P + "ReplaceOrderRequest.quantity": Limit(DECIMAL),
    _P + "ReplaceOrderRequest.limit_price": Limit(DECIMAL),
    _P + "ReplaceOrderRequest.stop_price": Limit(DECIMAL),
    _P + "ListOrdersRequest.account": Limit(NAME),
    _P + "ListOrdersRequest.symbol": Limit(NAME),
    _P + "ListOrdersRequest.states": Limit(items=STATES),
    _P + "ListOrdersRequest.page_token": Limit(TOKEN),
    _P + "StreamFillsRequest.accounts": Limit(NAME, FILTER),
    _P + "StreamFillsRequest.symbols": Limit(NAME, FILTER),
    _P + "GetPositionsRequest.accounts": Limit(NAME, FILTER),
    _P + "HaltRequest.target": Limit(NAME),
    _P + "HaltRequest.reason": Limit(TEXT),
    _P + "HaltRequest.requested_by": Limit(WHO),
    _P + "ResumeRequest.target": Limit(NAME),
    _P + "ResumeRequest.reason": Limit(TEXT),
    _P + "ResumeRequest.requested_by": Limit(WHO),
    # AdminService
    _P + "SetReferencePriceRequest.symbol": Limit(NAME),
    _P + "SetReferencePriceRequest.price": Limit(DECIMAL),
    # RiskService
    _P + "GetRiskStateRequest.accounts": Limit(NAME, FILTER),
    # AuditService
    _P + "ListExecutionsRequest.account": Limit(NAME),
    _P + "ListExecutionsRequest.symbol": Limit(NAME),
    _P + "ListExecutionsRequest.order_id": Limit(ID),
    _P + "ListExecutionsRequest.page_token": Limit(TOKEN),
}

#: A field missing from the table (the table test fails first) is still bounded.
_FALLBACK = Limit(TEXT, FILTER)


def violations(message: Message) -> list[tuple[str, str]]:
    """Return (field, description) for every field of ``message`` over its limit."""
    out: list[tuple[str, str]] = []
    _check(message, "", out)
    return out


def _check(message: Message, prefix: str, out: list[tuple[str, str]]) -> None:
    # ListFields skips unset fields, so a small request costs a few attribute reads.
    for field, value in message.ListFields():
        name = prefix + field.name
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            _check_map(field, name, value, out)
            continue
        limit = LIMITS.get(field.full_name, _FALLBACK)
        if field.is_repeated:
            if len(value) > limit.items:
                out.append((name, f"has more than {limit.items} entries"))
                continue
            for index, item in enumerate(value):
                _check_value(field, f"{name}[{index}]", item, limit, out)
        else:
            _check_value(field, name, value, limit, out)


def _check_value(
    field: FieldDescriptor, name: str, value: object, limit: Limit, out: list[tuple[str, str]]
) -> None:
    if isinstance(value, str):
        if len(value) > limit.length:
            out.append((name, f"is longer than {limit.length} characters"))
    elif isinstance(value, Message):
        _check(value, name + ".", out)


def _check_map(
    field: FieldDescriptor, name: str, value: object, out: list[tuple[str, str]]
) -> None:
    entry: Descriptor = field.message_type
    limit = LIMITS.get(field.full_name, _FALLBACK)
    items = dict(value)  # type: ignore[call-overload]
    if len(items) > limit.items:
        out.append((name, f"has more than {limit.items} entries"))
        return
    key_limit = LIMITS.get(entry.fields_by_name["key"].full_name, _FALLBACK).length
    value_limit = LIMITS.get(entry.fields_by_name["value"].full_name, _FALLBACK).length
    for key, item in items.items():
        if len(key) > key_limit:
            out.append((name, f"keys must be at most {key_limit} characters"))
        if isinstance(item, str) and len(item) > value_limit:
            out.append((name, f"values must be at most {value_limit} characters"))
