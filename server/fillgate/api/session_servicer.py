"""fillgate.v1.SessionService: each symbol's market, open or closed, and its next open and close."""

from __future__ import annotations

from typing import ClassVar

from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api.convert import timestamp
from fillgate.api.errors import Context, translated
from fillgate.domain.errors import Violations
from fillgate.engine.engine import Engine
from fillgate.sessions.market import MarketStatus, Sessions
from fillgate.v1 import session_pb2
from fillgate.v1 import session_service_pb2 as pb
from fillgate.v1 import session_service_pb2_grpc as pb_grpc


class SessionServicer(pb_grpc.SessionServiceServicer):  # type: ignore[misc]
    """fillgate.v1.SessionService."""

    service: ClassVar[ServiceDescriptor] = pb.DESCRIPTOR.services_by_name["SessionService"]

    def __init__(self, engine: Engine, sessions: Sessions) -> None:
        self._engine = engine
        self._sessions = sessions

    @translated
    async def GetMarketStatus(
        self, request: pb.GetMarketStatusRequest, context: Context
    ) -> pb.GetMarketStatusResponse:
        known = self._engine.universe.symbols
        v = Violations()
        v.require_known("symbols", request.symbols, known, "symbol")
        v.raise_if_any()
        now = self._engine.clock.now_ns()
        names = sorted(set(request.symbols) or known)
        return pb.GetMarketStatusResponse(
            markets=[_market(self._sessions, self._sessions.status(n, now)) for n in names]
        )


def _market(sessions: Sessions, st: MarketStatus) -> session_pb2.MarketStatus:
    msg = session_pb2.MarketStatus(
        symbol=st.symbol,
        calendar=st.calendar,
        timezone=st.timezone,
        phase=int(st.phase),  # type: ignore[arg-type]
        is_open=st.is_open,
        extended_hours=st.extended_hours,
        closed_policy=st.closed_policy,
    )
    if st.next_open_ns is not None:
        msg.next_open.CopyFrom(timestamp(st.next_open_ns))
        msg.next_open_local = sessions.local_time(st.symbol, st.next_open_ns)
    if st.next_close_ns is not None:
        msg.next_close.CopyFrom(timestamp(st.next_close_ns))
        msg.next_close_local = sessions.local_time(st.symbol, st.next_close_ns)
    return msg
