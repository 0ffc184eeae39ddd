"""fillgate.v1.RiskService: the limits and breakers in force, with their usage."""

from __future__ import annotations

from typing import ClassVar

from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api import commands
from fillgate.api.authorization import current, readable_accounts
from fillgate.api.convert import timestamp
from fillgate.api.errors import Context, translated
from fillgate.domain.values import fmt
from fillgate.engine.engine import Engine
from fillgate.risk.report import AccountRisk, BreakerStatus, LimitUsage, risk_state
from fillgate.v1 import risk_pb2
from fillgate.v1 import risk_service_pb2 as pb
from fillgate.v1 import risk_service_pb2_grpc as pb_grpc


class RiskServicer(pb_grpc.RiskServiceServicer):  # type: ignore[misc]
    """fillgate.v1.RiskService."""

    service: ClassVar[ServiceDescriptor] = pb.DESCRIPTOR.services_by_name["RiskService"]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @translated
    async def GetRiskState(
        self, request: pb.GetRiskStateRequest, context: Context
    ) -> pb.GetRiskStateResponse:
        config = self._engine.universe
        accounts = commands.accounts(request.accounts, config.accounts)
        accounts = readable_accounts(current(), accounts, config.accounts) or accounts
        risk = self._engine.risk
        if risk is None:
            return pb.GetRiskStateResponse(enabled=False)
        state = risk_state(risk, accounts or config.accounts)
        return pb.GetRiskStateResponse(
            enabled=True,
            accounts=[_account(a) for a in state.accounts],
            global_limits=[_limit(x) for x in state.global_limits],
        )


def _limit(x: LimitUsage) -> risk_pb2.RiskLimit:
    return risk_pb2.RiskLimit(
        name=x.name,
        subject=x.subject,
        limit=fmt(x.limit),
        usage=fmt(x.usage),
    )


def _breaker(b: BreakerStatus) -> risk_pb2.BreakerStatus:
    msg = risk_pb2.BreakerStatus(
        breaker=int(b.breaker),  # type: ignore[arg-type]
        state=int(b.state),  # type: ignore[arg-type]
        limit=fmt(b.limit),
        value=fmt(b.value),
        mode=int(b.mode),  # type: ignore[arg-type]
        cancel_open_orders=b.cancel_open_orders,
        flatten_positions=b.flatten_positions,
    )
    if b.tripped is not None:
        msg.trip_time.CopyFrom(timestamp(b.tripped.ts_ns))
        msg.trip_message = b.tripped.message
    return msg


def _account(a: AccountRisk) -> risk_pb2.AccountRisk:
    return risk_pb2.AccountRisk(
        account=a.account,
        equity=fmt(a.equity),
        day_start_equity=fmt(a.day_start_equity),
        day_peak_equity=fmt(a.day_peak_equity),
        limits=[_limit(x) for x in a.limits],
        breakers=[_breaker(b) for b in a.breakers],
    )
