"""Typed clients for the fillgate ExecutionService, AdminService and RiskService.

``AsyncFillgateClient`` (grpc.aio) and ``FillgateClient`` (blocking) offer the
same methods with the same arguments. Both are thin: requests are built in
``_requests``, responses converted in ``_convert``, and every failed RPC is
raised as a ``fillgate_client.errors.FillgateError``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

import grpc
import grpc.aio

from . import _audit, _convert, _requests, contingent, market, report
from ._channel import Credentials, merged_options, resolve_target
from ._pb import admin_grpc, exec_grpc, risk_grpc
from ._requests import DecimalLike
from .contingent import ListLeg, OrderList
from .errors import translate_errors
from .quotes import (
    AccountState,
    Quotes,
    accounts_from_proto,
    get_accounts_request,
    get_quotes_request,
    md_grpc,
    quotes_from_proto,
)
from .risk import RiskState, risk_state_from_proto
from .sync_client import FillgateClient
from .types import (
    AccountPositions,
    ExecType,
    ExecutionReport,
    HaltResult,
    HaltScope,
    Order,
    OrderState,
    OrderType,
    Side,
    StreamEvent,
    StreamEventKind,
    SubmitResult,
    SymbolInfo,
    TimeInForce,
    TradingMode,
    TradingRestriction,
)


class AsyncFillgateClient:
    """Asynchronous fillgate client; use as ``async with AsyncFillgateClient() as client``.

    The channel is opened on first use, inside the running event loop.
    ``timeout`` (seconds) is the deadline of every unary call; streams have none.
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        channel_options: Sequence[tuple[str, Any]] | None = None,
        timeout: float | None = None,
        token: str | None = None,
        ca: str | None = None,
        cert: str | None = None,
        key: str | None = None,
    ) -> None:
        self.target = resolve_target(target)
        self._channel_options = merged_options(channel_options)
        #: Bearer token (``token`` or $FILLGATE_TOKEN) and TLS files (``ca``, ``cert``, ``key``).
        self._credentials = Credentials.resolve(token, ca, cert, key)
        self._metadata = self._credentials.metadata
        self._timeout = timeout
        self._channel: grpc.aio.Channel | None = None
        self._execution: Any = None
        self._admin: Any = None
        self._risk: Any = None
        self._md: Any = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the channel, cancelling calls in flight; the client may be used again."""
        channel, self._channel = self._channel, None
        if channel is not None:
            await channel.close()

    def _stubs(self) -> tuple[Any, Any]:
        if self._channel is None:
            tls = self._credentials.channel_credentials()
            self._channel = (
                grpc.aio.insecure_channel(self.target, options=self._channel_options)
                if tls is None
                else grpc.aio.secure_channel(self.target, tls, options=self._channel_options)
            )
            self._execution = exec_grpc.ExecutionServiceStub(self._channel)
            self._admin = admin_grpc.AdminServiceStub(self._channel)
            self._risk = risk_grpc.RiskServiceStub(self._channel)
            self._md = md_grpc.MarketDataServiceStub(self._channel)
        return self._execution, self._admin

    async def _exec(self, method: str, request: Any) -> Any:
        with translate_errors():
            return await getattr(self._stubs()[0], method)(
                request, timeout=self._timeout, metadata=self._metadata
            )

    async def _adm(self, method: str, request: Any) -> Any:
        with translate_errors():
            return await getattr(self._stubs()[1], method)(
                request, timeout=self._timeout, metadata=self._metadata
            )

    async def submit_order(
        self,
        account: str,
        symbol: str,
        side: Side | str,
        quantity: DecimalLike,
        *,
        type: OrderType | str = OrderType.MARKET,
        limit_price: DecimalLike | None = None,
        stop_price: DecimalLike | None = None,
        time_in_force: TimeInForce | str = TimeInForce.GTC,
        client_order_id: str | None = None,
        strategy_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        reduce_only: bool = False,
        extended_hours: bool = False,
        expire_time: datetime | None = None,
        expire_after: timedelta | None = None,
    ) -> SubmitResult:
        """Place an order; a repeat with the same client_order_id returns the stored one.

        ``expire_time`` (aware datetime) and ``expire_after`` are time limits:
        fillgate cancels the order if it is still open then.
        """
        request = _requests.submit_order(
            account,
            symbol,
            side,
            quantity,
            type=type,
            limit_price=limit_price,
            stop_price=stop_price,
            time_in_force=time_in_force,
            client_order_id=client_order_id,
            strategy_id=strategy_id,
            tags=tags,
            reduce_only=reduce_only,
            extended_hours=extended_hours,
            expire_time=expire_time,
            expire_after=expire_after,
        )
        return _convert.submit_result_from_proto(await self._exec("SubmitOrder", request))

    async def cancel_order(
        self,
        order_id: str | None = None,
        *,
        account: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Cancel a working order named by id or by account and client order id."""
        request = _requests.cancel_order(order_id, account=account, client_order_id=client_order_id)
        return _convert.order_from_proto((await self._exec("CancelOrder", request)).order)

    async def replace_order(
        self,
        order_id: str | None = None,
        *,
        account: str | None = None,
        client_order_id: str | None = None,
        quantity: DecimalLike | None = None,
        limit_price: DecimalLike | None = None,
        stop_price: DecimalLike | None = None,
    ) -> Order:
        """Change a working order's quantity and/or prices; ``None`` keeps a term."""
        request = _requests.replace_order(
            order_id,
            account=account,
            client_order_id=client_order_id,
            quantity=quantity,
            limit_price=limit_price,
            stop_price=stop_price,
        )
        return _convert.order_from_proto((await self._exec("ReplaceOrder", request)).order)

    async def get_order(
        self,
        order_id: str | None = None,
        *,
        account: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Return one order named by id or by account and client order id."""
        request = _requests.get_order(order_id, account=account, client_order_id=client_order_id)
        return _convert.order_from_proto((await self._exec("GetOrder", request)).order)

    async def list_orders(
        self,
        account: str | None = None,
        symbol: str | None = None,
        states: Iterable[OrderState | str] = (),
        open_only: bool = False,
        page_size: int | None = None,
    ) -> list[Order]:
        """Return every matching order, oldest first, fetching all pages."""
        states = tuple(states)
        orders: list[Order] = []
        token = ""
        while True:
            request = _requests.list_orders(account, symbol, states, open_only, page_size, token)
            response = await self._exec("ListOrders", request)
            orders.extend(_convert.order_from_proto(o) for o in response.orders)
            token = response.next_page_token
            if not token:
                return orders

    def stream_fills(
        self,
        accounts: Iterable[str] | str = (),
        symbols: Iterable[str] | str = (),
        from_sequence: int | None = None,
        heartbeat_interval_ms: int = 0,
        *,
        max_batch: int = _requests.DEFAULT_MAX_BATCH,
        kinds: Iterable[StreamEventKind | str] = (),
        exec_types: Iterable[ExecType | str] = (),
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream events: a SubscriptionAck first, then reports, state changes, heartbeats.

        ``from_sequence=None`` carries only events published after the stream
        opens; ``0`` replays everything still retained; ``n`` resumes after ``n``.
        ``aclose()`` the generator (``contextlib.aclosing``) to cancel the call
        promptly when leaving the loop early.

        ``kinds`` and ``exec_types`` narrow the stream on the server (e.g.
        ``exec_types=["trade"]`` for fills only). The server may send up to
        ``max_batch`` ready events in one message; they are yielded one by one
        all the same (1: one event per message).
        """
        request = _requests.stream_fills(
            accounts,
            symbols,
            from_sequence,
            heartbeat_interval_ms,
            max_batch=max_batch,
            kinds=kinds,
            exec_types=exec_types,
        )
        return self._stream(request)

    async def _stream(self, request: Any) -> AsyncGenerator[StreamEvent, None]:
        call = self._stubs()[0].StreamFills(request, metadata=self._metadata)
        try:
            with translate_errors():
                async for message in call:
                    for event in _convert.stream_events_from_proto(message):
                        yield event
        finally:
            call.cancel()

    async def get_positions(
        self, accounts: Iterable[str] | str = (), include_flat: bool = False
    ) -> list[AccountPositions]:
        """Return one consistent snapshot per account, ordered by account."""
        request = _requests.get_positions(accounts, include_flat)
        response = await self._exec("GetPositions", request)
        return [_convert.account_positions_from_proto(a) for a in response.accounts]

    async def halt(
        self,
        scope: HaltScope | str,
        target: str = "",
        *,
        mode: TradingMode | str = TradingMode.HALTED,
        cancel_open_orders: bool = False,
        flatten_positions: bool = False,
        reason: str,
        requested_by: str | None = None,
    ) -> HaltResult:
        """Restrict trading in a scope, optionally canceling orders and flattening positions."""
        request = _requests.halt(
            scope,
            target,
            mode=mode,
            cancel_open_orders=cancel_open_orders,
            flatten_positions=flatten_positions,
            reason=reason,
            requested_by=requested_by,
        )
        return _convert.halt_result_from_proto(await self._exec("Halt", request))

    async def resume(
        self,
        scope: HaltScope | str,
        target: str = "",
        reason: str = "",
        requested_by: str | None = None,
    ) -> list[TradingRestriction]:
        """Lift a scope's restriction and return the restrictions still in force."""
        request = _requests.resume(scope, target, reason, requested_by)
        response = await self._exec("Resume", request)
        return [_convert.trading_restriction_from_proto(r) for r in response.restrictions]

    async def trading_state(self) -> list[TradingRestriction]:
        """Return the restrictions in force (empty: all trading is active)."""
        response = await self._exec("GetTradingState", _requests.get_trading_state())
        return [_convert.trading_restriction_from_proto(r) for r in response.restrictions]

    async def set_reference_price(self, symbol: str, price: DecimalLike) -> SymbolInfo:
        """Move a symbol's reference price and return the symbol after the move."""
        request = _requests.set_reference_price(symbol, price)
        return _convert.symbol_info_from_proto(
            (await self._adm("SetReferencePrice", request)).symbol
        )

    async def list_symbols(self) -> list[SymbolInfo]:
        """Return the configured symbols, ordered by name."""
        response = await self._adm("ListSymbols", _requests.list_symbols())
        return [_convert.symbol_info_from_proto(s) for s in response.symbols]

    async def ping(self) -> None:
        """Make the empty round trip."""
        await self._adm("Ping", _requests.ping())

    async def get_accounts(self, accounts: Iterable[str] | str = ()) -> list[AccountState]:
        """Return each selected account's venue values next to fillgate's (all when empty)."""
        self._stubs()
        with translate_errors():
            response = await self._md.GetAccounts(
                get_accounts_request(accounts), timeout=self._timeout, metadata=self._metadata
            )
        return accounts_from_proto(response)

    async def get_quotes(self, symbols: Iterable[str] | str = ()) -> Quotes:
        """Return each selected symbol's latest quote and mark (all symbols when empty)."""
        self._stubs()
        with translate_errors():
            response = await self._md.GetQuotes(
                get_quotes_request(symbols), timeout=self._timeout, metadata=self._metadata
            )
        return quotes_from_proto(response)

    async def get_risk_state(self, accounts: Iterable[str] | str = ()) -> RiskState:
        """Return every limit with its usage and every breaker with its state, per account."""
        self._stubs()
        with translate_errors():
            response = await self._risk.GetRiskState(
                _requests.get_risk_state(accounts), timeout=self._timeout, metadata=self._metadata
            )
        return risk_state_from_proto(response)

    async def get_market_status(
        self, symbols: Iterable[str] | str = ()
    ) -> list[market.MarketStatus]:
        """Return each symbol's market (all configured symbols when none are named)."""
        stub = market.session_grpc.SessionServiceStub(self._stubs_channel())
        with translate_errors():
            response = await stub.GetMarketStatus(
                market.get_market_status_request(symbols), timeout=self._timeout
            )
        return [market.market_status_from_proto(m) for m in response.markets]

    async def list_executions(
        self,
        account: str | None = None,
        symbol: str | None = None,
        *,
        order_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        trades_only: bool = False,
    ) -> list[ExecutionReport]:
        """Return journaled execution reports matching the filter, following every page."""
        stub = _audit.audit_grpc.AuditServiceStub(self._stubs_channel())
        out: list[ExecutionReport] = []
        token = ""
        while True:
            request = _audit.list_executions_request(
                account, symbol, order_id, since, until, trades_only, token
            )
            with translate_errors():
                response = await stub.ListExecutions(
                    request, timeout=self._timeout, metadata=self._metadata
                )
            out.extend(_convert.execution_report_from_proto(m) for m in response.executions)
            token = response.next_page_token
            if not token:
                return out

    async def execution_quality(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        by: str = "venue",
        account: str | None = None,
    ) -> list[report.QualityRow]:
        """Execution quality of the orders accepted in a window, one row per group."""
        stub = report.report_grpc.ReportServiceStub(self._stubs_channel())
        request = report.quality_request(since, until, by, account)
        with translate_errors():
            response = await stub.ExecutionQuality(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return [report.quality_row_from_proto(m) for m in response.rows]

    async def daily_report(
        self, day: str | None = None, account: str | None = None
    ) -> tuple[str, list[report.DailyRow]]:
        """One UTC day's (YYYY-MM-DD; default today) fills per account and symbol."""
        stub = report.report_grpc.ReportServiceStub(self._stubs_channel())
        request = report.report_pb.DailyReportRequest(date=day or "", account=account or "")
        with translate_errors():
            response = await stub.DailyReport(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return response.date, [report.daily_row_from_proto(m) for m in response.rows]

    async def list_denials(
        self,
        account: str | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[report.Denial]:
        """The newest ``limit`` risk denials in the journal, oldest first."""
        stub = report.report_grpc.ReportServiceStub(self._stubs_channel())
        request = report.denials_request(account, since, until, limit)
        with translate_errors():
            response = await stub.ListDenials(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return [report.denial_from_proto(m) for m in response.denials]

    async def submit_bracket(
        self,
        account: str,
        symbol: str,
        side: Side | str,
        quantity: DecimalLike,
        *,
        stop_loss: str,
        take_profits: Sequence[str] = (),
        type: OrderType | str = OrderType.MARKET,
        limit_price: DecimalLike | None = None,
        time_in_force: TimeInForce | str = TimeInForce.GTC,
        client_order_id: str | None = None,
        strategy_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        expire_after: timedelta | None = None,
        stop_limit: str | None = None,
        trail_activation_price: DecimalLike | None = None,
    ) -> OrderList:
        """Place an entry protected by a stop-loss and take-profits (see ``contingent``).

        Exits are text: ``offset:5``, ``percent:2``, ``price:95``; take-profits add
        a size: ``percent:1@0.5`` (half the entry), ``price:110@qty:0.3``. A trailing
        stop-loss (``trail:5``, ``trail_percent:2``) may be a stop-limit (``stop_limit=
        "offset:1"``) and wait for the mark to reach ``trail_activation_price``.
        """
        request = contingent.submit_bracket_request(
            account,
            symbol,
            side,
            quantity,
            stop_loss=stop_loss,
            take_profits=take_profits,
            type=type,
            limit_price=limit_price,
            time_in_force=time_in_force,
            client_order_id=client_order_id,
            strategy_id=strategy_id,
            tags=tags,
            expire_after=expire_after,
            stop_limit=stop_limit,
            trail_activation_price=trail_activation_price,
        )
        stub = contingent.contingent_grpc.ContingentServiceStub(self._stubs_channel())
        with translate_errors():
            response = await stub.SubmitBracket(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return contingent.order_list_from_proto(response.order_list)

    async def get_order_list(self, list_id: str) -> OrderList:
        """Return an order list (a bracket) with its entry and members."""
        stub = contingent.contingent_grpc.ContingentServiceStub(self._stubs_channel())
        request = contingent.contingent_pb.GetOrderListRequest(list_id=list_id)
        with translate_errors():
            response = await stub.GetOrderList(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return contingent.order_list_from_proto(response.order_list)

    async def cancel_order_list(self, list_id: str, *, account: str | None = None) -> OrderList:
        """End a bracket or order list: its working members are canceled and nothing is
        re-placed; fills and the position stay. Repeating it cancels nothing new."""
        stub = contingent.contingent_grpc.ContingentServiceStub(self._stubs_channel())
        request = contingent.contingent_pb.CancelOrderListRequest(
            list_id=list_id, account=account or ""
        )
        with translate_errors():
            response = await stub.CancelOrderList(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return contingent.order_list_from_proto(response.order_list)

    async def submit_order_list(
        self,
        account: str,
        symbol: str,
        contingency: str,
        legs: Sequence[ListLeg],
        *,
        client_order_id: str | None = None,
        strategy_id: str | None = None,
    ) -> OrderList:
        """Place an OCO, OUO or OTO list (``contingency`` "oco", "ouo", "oto"), 2 to 8 legs."""
        request = contingent.submit_order_list_request(
            account, symbol, contingency, legs,
            client_order_id=client_order_id, strategy_id=strategy_id,
        )  # fmt: skip
        stub = contingent.contingent_grpc.ContingentServiceStub(self._stubs_channel())
        with translate_errors():
            response = await stub.SubmitOrderList(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return contingent.order_list_from_proto(response.order_list)

    def _stubs_channel(self) -> Any:
        self._stubs()
        return self._channel


__all__ = ["AsyncFillgateClient", "FillgateClient"]
