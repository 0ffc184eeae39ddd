"""Blocking fillgate client: the same methods as ``AsyncFillgateClient``, over a sync channel."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

import grpc

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


class FillgateClient:
    """Blocking fillgate client; use as ``with FillgateClient() as client``.

    Same methods and arguments as ``AsyncFillgateClient``.
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
        self._timeout = timeout
        credentials = Credentials.resolve(token, ca, cert, key)
        #: The bearer token's call metadata (``token`` or $FILLGATE_TOKEN), or None.
        self._metadata = credentials.metadata
        tls = credentials.channel_credentials()
        options = merged_options(channel_options)
        self._channel = (
            grpc.insecure_channel(self.target, options=options)
            if tls is None
            else grpc.secure_channel(self.target, tls, options=options)
        )
        self._execution: Any = exec_grpc.ExecutionServiceStub(self._channel)
        self._admin: Any = admin_grpc.AdminServiceStub(self._channel)
        self._risk: Any = risk_grpc.RiskServiceStub(self._channel)
        self._md: Any = md_grpc.MarketDataServiceStub(self._channel)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel, cancelling calls in flight."""
        self._channel.close()

    def _exec(self, method: str, request: Any) -> Any:
        with translate_errors():
            return getattr(self._execution, method)(
                request, timeout=self._timeout, metadata=self._metadata
            )

    def _adm(self, method: str, request: Any) -> Any:
        with translate_errors():
            return getattr(self._admin, method)(
                request, timeout=self._timeout, metadata=self._metadata
            )

    def submit_order(
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
        return _convert.submit_result_from_proto(self._exec("SubmitOrder", request))

    def cancel_order(
        self,
        order_id: str | None = None,
        *,
        account: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Cancel a working order named by id or by account and client order id."""
        request = _requests.cancel_order(order_id, account=account, client_order_id=client_order_id)
        return _convert.order_from_proto(self._exec("CancelOrder", request).order)

    def replace_order(
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
        return _convert.order_from_proto(self._exec("ReplaceOrder", request).order)

    def get_order(
        self,
        order_id: str | None = None,
        *,
        account: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Return one order named by id or by account and client order id."""
        request = _requests.get_order(order_id, account=account, client_order_id=client_order_id)
        return _convert.order_from_proto(self._exec("GetOrder", request).order)

    def list_orders(
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
            response = self._exec("ListOrders", request)
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
    ) -> Generator[StreamEvent, None, None]:
        """Stream events like ``AsyncFillgateClient.stream_fills``; ``close()`` it to cancel."""
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

    def _stream(self, request: Any) -> Generator[StreamEvent, None, None]:
        call = self._execution.StreamFills(request, metadata=self._metadata)
        try:
            with translate_errors():
                for message in call:
                    yield from _convert.stream_events_from_proto(message)
        finally:
            call.cancel()

    def get_positions(
        self, accounts: Iterable[str] | str = (), include_flat: bool = False
    ) -> list[AccountPositions]:
        """Return one consistent snapshot per account, ordered by account."""
        response = self._exec("GetPositions", _requests.get_positions(accounts, include_flat))
        return [_convert.account_positions_from_proto(a) for a in response.accounts]

    def halt(
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
        return _convert.halt_result_from_proto(self._exec("Halt", request))

    def resume(
        self,
        scope: HaltScope | str,
        target: str = "",
        reason: str = "",
        requested_by: str | None = None,
    ) -> list[TradingRestriction]:
        """Lift a scope's restriction and return the restrictions still in force."""
        response = self._exec("Resume", _requests.resume(scope, target, reason, requested_by))
        return [_convert.trading_restriction_from_proto(r) for r in response.restrictions]

    def trading_state(self) -> list[TradingRestriction]:
        """Return the restrictions in force (empty: all trading is active)."""
        response = self._exec("GetTradingState", _requests.get_trading_state())
        return [_convert.trading_restriction_from_proto(r) for r in response.restrictions]

    def set_reference_price(self, symbol: str, price: DecimalLike) -> SymbolInfo:
        """Move a symbol's reference price and return the symbol after the move."""
        request = _requests.set_reference_price(symbol, price)
        return _convert.symbol_info_from_proto(self._adm("SetReferencePrice", request).symbol)

    def list_symbols(self) -> list[SymbolInfo]:
        """Return the configured symbols, ordered by name."""
        response = self._adm("ListSymbols", _requests.list_symbols())
        return [_convert.symbol_info_from_proto(s) for s in response.symbols]

    def ping(self) -> None:
        """Make the empty round trip."""
        self._adm("Ping", _requests.ping())

    def get_accounts(self, accounts: Iterable[str] | str = ()) -> list[AccountState]:
        """Return each selected account's venue values next to fillgate's (all when empty)."""
        with translate_errors():
            response = self._md.GetAccounts(
                get_accounts_request(accounts), timeout=self._timeout, metadata=self._metadata
            )
        return accounts_from_proto(response)

    def get_quotes(self, symbols: Iterable[str] | str = ()) -> Quotes:
        """Return each selected symbol's latest quote and mark (all symbols when empty)."""
        with translate_errors():
            response = self._md.GetQuotes(
                get_quotes_request(symbols), timeout=self._timeout, metadata=self._metadata
            )
        return quotes_from_proto(response)

    def get_risk_state(self, accounts: Iterable[str] | str = ()) -> RiskState:
        """Return every limit with its usage and every breaker with its state, per account."""
        request = _requests.get_risk_state(accounts)
        with translate_errors():
            response = self._risk.GetRiskState(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return risk_state_from_proto(response)

    def execution_quality(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        by: str = "venue",
        account: str | None = None,
    ) -> list[report.QualityRow]:
        """Execution quality of the orders accepted in a window, one row per group."""
        stub = report.report_grpc.ReportServiceStub(self._channel)
        request = report.quality_request(since, until, by, account)
        with translate_errors():
            response = stub.ExecutionQuality(
                request, timeout=self._timeout, metadata=self._metadata
            )
        return [report.quality_row_from_proto(m) for m in response.rows]

    def daily_report(
        self, day: str | None = None, account: str | None = None
    ) -> tuple[str, list[report.DailyRow]]:
        """One UTC day's (YYYY-MM-DD; default today) fills per account and symbol."""
        stub = report.report_grpc.ReportServiceStub(self._channel)
        request = report.report_pb.DailyReportRequest(date=day or "", account=account or "")
        with translate_errors():
            response = stub.DailyReport(request, timeout=self._timeout, metadata=self._metadata)
        return response.date, [report.daily_row_from_proto(m) for m in response.rows]

    def list_denials(
        self,
        account: str | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[report.Denial]:
        """The newest ``limit`` risk denials in the journal, oldest first."""
        stub = report.report_grpc.ReportServiceStub(self._channel)
        request = report.denials_request(account, since, until, limit)
        with translate_errors():
            response = stub.ListDenials(request, timeout=self._timeout, metadata=self._metadata)
        return [report.denial_from_proto(m) for m in response.denials]

    def get_market_status(self, symbols: Iterable[str] | str = ()) -> list[market.MarketStatus]:
        """Return each symbol's market (all configured symbols when none are named)."""
        stub = market.session_grpc.SessionServiceStub(self._channel)
        with translate_errors():
            response = stub.GetMarketStatus(
                market.get_market_status_request(symbols), timeout=self._timeout
            )
        return [market.market_status_from_proto(m) for m in response.markets]

    def list_executions(
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
        stub = _audit.audit_grpc.AuditServiceStub(self._channel)
        out: list[ExecutionReport] = []
        token = ""
        while True:
            request = _audit.list_executions_request(
                account, symbol, order_id, since, until, trades_only, token
            )
            with translate_errors():
                response = stub.ListExecutions(
                    request, timeout=self._timeout, metadata=self._metadata
                )
            out.extend(_convert.execution_report_from_proto(m) for m in response.executions)
            token = response.next_page_token
            if not token:
                return out

    def submit_bracket(
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
        """Place an entry protected by a stop-loss and take-profits (see ``contingent``)."""
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
        stub = contingent.contingent_grpc.ContingentServiceStub(self._channel)
        with translate_errors():
            response = stub.SubmitBracket(request, timeout=self._timeout, metadata=self._metadata)
        return contingent.order_list_from_proto(response.order_list)

    def get_order_list(self, list_id: str) -> OrderList:
        """Return an order list (a bracket) with its entry and members."""
        stub = contingent.contingent_grpc.ContingentServiceStub(self._channel)
        request = contingent.contingent_pb.GetOrderListRequest(list_id=list_id)
        with translate_errors():
            response = stub.GetOrderList(request, timeout=self._timeout, metadata=self._metadata)
        return contingent.order_list_from_proto(response.order_list)

    def cancel_order_list(self, list_id: str, *, account: str | None = None) -> OrderList:
        """End a bracket or order list: its working members are canceled and nothing is
        re-placed; fills and the position stay. Repeating it cancels nothing new."""
        stub = contingent.contingent_grpc.ContingentServiceStub(self._channel)
        request = contingent.contingent_pb.CancelOrderListRequest(
            list_id=list_id, account=account or ""
        )
        with translate_errors():
            response = stub.CancelOrderList(request, timeout=self._timeout, metadata=self._metadata)
        return contingent.order_list_from_proto(response.order_list)

    def submit_order_list(
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
        stub = contingent.contingent_grpc.ContingentServiceStub(self._channel)
        with translate_errors():
            response = stub.SubmitOrderList(request, timeout=self._timeout, metadata=self._metadata)
        return contingent.order_list_from_proto(response.order_list)
