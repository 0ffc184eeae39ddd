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
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from fillgate.contingent.order_list import MAX_LEGS
from fillgate.contingent.spec import MAX_TAKE_PROFITS
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
    _P + "StreamFillsRequest.kinds": Limit(items=STATES),
    _P + "StreamFillsRequest.exec_types": Limit(items=STATES),
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
    # SessionService
    _P + "GetMarketStatusRequest.symbols": Limit(NAME, FILTER),
    _P + "GetQuotesRequest.symbols": Limit(NAME, FILTER),
    _P + "GetAccountsRequest.accounts": Limit(NAME, FILTER),
    # AuditService
    _P + "ListExecutionsRequest.account": Limit(NAME),
    _P + "ListExecutionsRequest.symbol": Limit(NAME),
    _P + "ListExecutionsRequest.order_id": Limit(ID),
    _P + "ListExecutionsRequest.page_token": Limit(TOKEN),
    # ReportService
    _P + "ExecutionQualityRequest.account": Limit(NAME),
    _P + "ListDenialsRequest.account": Limit(NAME),
    _P + "DailyReportRequest.date": Limit(16),
    _P + "DailyReportRequest.account": Limit(NAME),
    # ContingentService
    _P + "SubmitBracketRequest.account": Limit(NAME),
    _P + "SubmitBracketRequest.symbol": Limit(NAME),
    _P + "SubmitBracketRequest.quantity": Limit(DECIMAL),
    _P + "SubmitBracketRequest.limit_price": Limit(DECIMAL),
    _P + "SubmitBracketRequest.client_order_id": Limit(ID),
    _P + "SubmitBracketRequest.strategy_id": Limit(ID),
    _P + "SubmitBracketRequest.tags": Limit(items=MAX_TAGS),
    _P + "SubmitBracketRequest.TagsEntry.key": Limit(MAX_TAG_KEY),
    _P + "SubmitBracketRequest.TagsEntry.value": Limit(MAX_TAG_VALUE),
    _P + "SubmitBracketRequest.take_profits": Limit(items=MAX_TAKE_PROFITS),
    _P + "SubmitBracketRequest.stop_limit_offset": Limit(DECIMAL),
    _P + "SubmitBracketRequest.stop_limit_percent": Limit(DECIMAL),
    _P + "SubmitBracketRequest.trail_activation_price": Limit(DECIMAL),
    _P + "ExitPrice.price": Limit(DECIMAL),
    _P + "ExitPrice.offset": Limit(DECIMAL),
    _P + "ExitPrice.percent": Limit(DECIMAL),
    _P + "ExitPrice.trail": Limit(DECIMAL),
    _P + "ExitPrice.trail_percent": Limit(DECIMAL),
    _P + "TakeProfit.quantity": Limit(DECIMAL),
    _P + "TakeProfit.fraction": Limit(DECIMAL),
    _P + "GetOrderListRequest.list_id": Limit(ID),
    _P + "CancelOrderListRequest.list_id": Limit(ID),
    _P + "CancelOrderListRequest.account": Limit(NAME),
    _P + "SubmitOrderListRequest.account": Limit(NAME),
    _P + "SubmitOrderListRequest.symbol": Limit(NAME),
    _P + "SubmitOrderListRequest.client_order_id": Limit(ID),
    _P + "SubmitOrderListRequest.strategy_id": Limit(ID),
    _P + "SubmitOrderListRequest.legs": Limit(items=MAX_LEGS),
    _P + "ListLeg.quantity": Limit(DECIMAL),
    _P + "ListLeg.limit_price": Limit(DECIMAL),
    _P + "ListLeg.stop_price": Limit(DECIMAL),
}

#: A field missing from the table (the table test fails first) is still bounded.
_FALLBACK = Limit(TEXT, FILTER)

_TEXT, _TEXTS, _MESSAGE, _MESSAGES, _MAP, _SCALARS = range(6)


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    kind: int
    limit: Limit
    nested: Plan | None = None
    key_length: int = 0
    value_length: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    """The checks of one message type, compiled once from its descriptor."""

    rules: tuple[_Rule, ...]


def plan(descriptor: Descriptor) -> Plan:
    """Compile the limit checks of a message type (and of the messages it holds)."""
    rules: list[_Rule] = []
    for field in descriptor.fields:
        limit = LIMITS.get(field.full_name, _FALLBACK)
        kind = field.message_type
        if kind is not None and kind.GetOptions().map_entry:
            key, value = kind.fields_by_name["key"], kind.fields_by_name["value"]
            rules.append(
                _Rule(
                    field.name,
                    _MAP,
                    limit,
                    key_length=LIMITS.get(key.full_name, _FALLBACK).length,
                    value_length=LIMITS.get(value.full_name, _FALLBACK).length
                    if value.type == FieldDescriptor.TYPE_STRING
                    else -1,
                )
            )
        elif kind is not None:
            if kind.full_name.startswith("google.protobuf."):
                continue  # Timestamp and the like: no strings, no lists
            nested = plan(kind)
            rules.append(
                _Rule(field.name, _MESSAGES if field.is_repeated else _MESSAGE, limit, nested)
            )
        elif field.type == FieldDescriptor.TYPE_STRING:
            rules.append(_Rule(field.name, _TEXTS if field.is_repeated else _TEXT, limit))
        elif field.is_repeated:
            rules.append(_Rule(field.name, _SCALARS, limit))
    return Plan(tuple(rules))


def violations(message: Message, compiled: Plan | None = None) -> list[tuple[str, str]]:
    """Return (field, description) for every field of ``message`` over its limit."""
    out: list[tuple[str, str]] = []
    _check(message, compiled or plan(message.DESCRIPTOR), "", out)
    return out


def _check(message: Message, compiled: Plan, prefix: str, out: list[tuple[str, str]]) -> None:
    for rule in compiled.rules:
        value = getattr(message, rule.name)
        kind, limit = rule.kind, rule.limit
        if kind == _TEXT:
            if len(value) > limit.length:
                out.append((prefix + rule.name, f"is longer than {limit.length} characters"))
        elif kind == _MESSAGE:
            if rule.nested is not None and message.HasField(rule.name):
                _check(value, rule.nested, f"{prefix}{rule.name}.", out)
        elif len(value) > limit.items:
            out.append((prefix + rule.name, f"has more than {limit.items} entries"))
        else:
            _check_entries(value, rule, prefix, out)


def _check_entries(value: Any, rule: _Rule, prefix: str, out: list[tuple[str, str]]) -> None:
    """Check each entry of a repeated or map field whose count is within its limit."""
    kind, limit = rule.kind, rule.limit
    if kind == _TEXTS:
        for index, item in enumerate(value):
            if len(item) > limit.length:
                out.append(
                    (f"{prefix}{rule.name}[{index}]", f"is longer than {limit.length} characters")
                )
    elif kind == _MESSAGES and rule.nested is not None:
        for index, item in enumerate(value):
            _check(item, rule.nested, f"{prefix}{rule.name}[{index}].", out)
    elif kind == _MAP:
        for key, item in value.items():
            if len(key) > rule.key_length:
                out.append(
                    (prefix + rule.name, f"keys must be at most {rule.key_length} characters")
                )
            if rule.value_length >= 0 and len(item) > rule.value_length:
                out.append(
                    (prefix + rule.name, f"values must be at most {rule.value_length} characters")
                )
