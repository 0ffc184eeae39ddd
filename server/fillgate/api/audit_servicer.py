"""fillgate.v1.AuditService: execution history read back from the journal."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from google.protobuf.descriptor import ServiceDescriptor

from fillgate.api import commands, convert
from fillgate.api.authorization import current, readable_accounts
from fillgate.api.errors import Context, translated
from fillgate.engine.audit import list_executions
from fillgate.engine.engine import Engine
from fillgate.v1 import audit_service_pb2 as pb
from fillgate.v1 import audit_service_pb2_grpc as pb_grpc


class AuditServicer(pb_grpc.AuditServiceServicer):  # type: ignore[misc]
    """fillgate.v1.AuditService."""

    service: ClassVar[ServiceDescriptor] = pb.DESCRIPTOR.services_by_name["AuditService"]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @translated
    async def ListExecutions(
        self, request: pb.ListExecutionsRequest, context: Context
    ) -> pb.ListExecutionsResponse:
        query, page = commands.list_executions(request)
        engine = self._engine
        if not query.account:
            readable = readable_accounts(current(), (), engine.universe.accounts)
            if readable:
                query = replace(query, readable=frozenset(readable))
        found = await list_executions(engine.journal, engine.state.blank(), query, page)
        return pb.ListExecutionsResponse(
            executions=[convert.execution_report(item) for item in found.items],
            next_page_token=convert.next_page_token("executions", found),
        )
