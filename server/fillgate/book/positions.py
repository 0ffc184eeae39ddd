"""Positions with average-cost P&L, and the book that publishes immutable snapshots.

A position keeps its *cost basis* (signed sum of price x quantity of the open
quantity) rather than an average price, so everything but the displayed
average is exact: unrealized P&L is ``quantity x mark - cost``, and a reducing
fill realizes ``closed x fill price`` minus the closed share of the cost. When
a position closes completely its whole cost is released, so realized P&L over
a round trip is exactly proceeds minus cost.

The book has one writer (the engine's event loop). After each change it
replaces the account's :class:`AccountSnapshot`; readers take the current
reference and never see a half-applied fill, with no lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType

from fillgate.domain.enums import Side
from fillgate.domain.values import EXACT, RATIO, ZERO, ratio

_RELEASE_QUANTUM = Decimal("1e-18")


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """One account's holding in one symbol."""

    account: str
    symbol: str
    #: Signed: positive long, negative short.
    quantity: Decimal = ZERO
    #: Signed cost of the open quantity (quantity x average entry price).
    cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    mark: Decimal = ZERO
    updated_ns: int = 0
    #: When the position was entered: its first fill from flat (wall ns); 0 while flat.
    opened_ns: int = 0

    @property
    def average_price(self) -> Decimal | None:
        return ratio(self.cost, self.quantity) if self.quantity else None

    @property
    def market_value(self) -> Decimal:
        return EXACT.multiply(self.quantity, self.mark)

    @property
    def unrealized_pnl(self) -> Decimal:
        return EXACT.subtract(self.market_value, self.cost)


def apply_fill(
    pos: Position, side: Side, quantity: Decimal, price: Decimal, fee: Decimal, ts_ns: int
) -> Position:
    """Return the position after a fill of ``quantity`` at ``price`` (average-cost method)."""
    signed = quantity if side is Side.BUY else -quantity
    qty, cost, realized = pos.quantity, pos.cost, pos.realized_pnl
    was = qty
    if qty == 0 or (qty > 0) == (signed > 0):
        # Opening or adding: cost grows by the fill's notional.
        qty = EXACT.add(qty, signed)
        cost = EXACT.add(cost, EXACT.multiply(signed, price))
    else:
        closed = min(quantity, abs(qty))
        if closed == abs(qty):
            released = cost  # closing completely releases the whole cost, exactly
        else:
            # The closed share of the cost can be a repeating decimal: keep 18
            # places; the residue stays in the cost until the final close.
            share = ratio(EXACT.multiply(cost, closed), abs(qty))
            released = share.quantize(_RELEASE_QUANTUM, context=RATIO)
        direction = 1 if qty > 0 else -1
        realized = EXACT.add(
            realized, EXACT.subtract(EXACT.multiply(closed * direction, price), released)
        )
        cost = EXACT.subtract(cost, released)
        qty = EXACT.add(qty, signed)
        if qty != 0 and (qty > 0) != (direction > 0):
            # Flipped through flat: the remainder opens at the fill price.
            cost = EXACT.multiply(qty, price)
    return Position(
        account=pos.account,
        symbol=pos.symbol,
        quantity=qty,
        cost=cost,
        realized_pnl=realized,
        fees=EXACT.add(pos.fees, fee),
        mark=pos.mark or price,
        updated_ns=ts_ns,
        # Entered on the first fill from flat, or again when a fill flips the side.
        opened_ns=0 if qty == 0 else pos.opened_ns if was and (was > 0) == (qty > 0) else ts_ns,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSnapshot:
    """A consistent, immutable view of one account: its positions and totals."""

    account: str
    positions: Mapping[str, Position]
    cash: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    market_value: Decimal
    gross_exposure: Decimal
    open_positions: int
    updated_ns: int
    #: Bumped on every change; lets readers cache work done on a snapshot.
    version: int = 0

    @property
    def equity(self) -> Decimal:
        return EXACT.add(self.cash, self.market_value)

    @property
    def net_exposure(self) -> Decimal:
        return self.market_value


def _snapshot(
    account: str, positions: dict[str, Position], cash: Decimal, ts_ns: int, version: int
) -> AccountSnapshot:
    realized = unrealized = fees = value = gross = ZERO
    open_count = 0
    for p in positions.values():
        realized = EXACT.add(realized, p.realized_pnl)
        fees = EXACT.add(fees, p.fees)
        if p.quantity:
            mv = p.market_value
            unrealized = EXACT.add(unrealized, p.unrealized_pnl)
            value = EXACT.add(value, mv)
            gross = EXACT.add(gross, abs(mv))
            open_count += 1
    return AccountSnapshot(
        account=account,
        positions=MappingProxyType(positions),
        cash=cash,
        realized_pnl=realized,
        unrealized_pnl=unrealized,
        fees=fees,
        market_value=value,
        gross_exposure=gross,
        open_positions=open_count,
        updated_ns=ts_ns,
        version=version,
    )


def _advance(
    snap: AccountSnapshot,
    old: Position | None,
    new: Position,
    positions: dict[str, Position],
    cash: Decimal,
    ts_ns: int,
) -> AccountSnapshot:
    """Return ``snap`` with ``old`` replaced by ``new``: totals move by the difference.

    Numerically equal to :func:`_snapshot` over all positions, since exact sums
    accumulate no rounding, but O(1) instead of O(positions) per fill or mark
    (the risk engine's latency budget assumes the book does not rescan).
    """
    add, sub = EXACT.add, EXACT.subtract
    realized, fees = snap.realized_pnl, snap.fees
    unrealized, value, gross = snap.unrealized_pnl, snap.market_value, snap.gross_exposure
    count = snap.open_positions
    if old is not None:
        realized, fees = sub(realized, old.realized_pnl), sub(fees, old.fees)
        if old.quantity:
            mv = old.market_value
            unrealized, value = sub(unrealized, old.unrealized_pnl), sub(value, mv)
            gross, count = sub(gross, abs(mv)), count - 1
    realized, fees = add(realized, new.realized_pnl), add(fees, new.fees)
    if new.quantity:
        mv = new.market_value
        unrealized, value = add(unrealized, new.unrealized_pnl), add(value, mv)
        gross, count = add(gross, abs(mv)), count + 1
    return AccountSnapshot(
        account=snap.account,
        positions=MappingProxyType(positions),
        cash=cash,
        realized_pnl=realized,
        unrealized_pnl=unrealized,
        fees=fees,
        market_value=value,
        gross_exposure=gross,
        open_positions=count,
        updated_ns=ts_ns,
        version=snap.version + 1,
    )


class PositionBook:
    """Positions for every account; single writer, lock-free readers."""

    def __init__(self, starting_cash: Mapping[str, Decimal], marks: Mapping[str, Decimal]):
        self._marks = dict(marks)
        self._accounts: dict[str, AccountSnapshot] = {
            name: _snapshot(name, {}, cash, 0, 0) for name, cash in starting_cash.items()
        }
        self._holders: dict[str, set[str]] = {}
        # During a journal replay: account -> (mutable positions, cash); snapshots come at the end.
        self._staged: dict[str, tuple[dict[str, Position], list[Decimal]]] | None = None

    def begin_replay(self) -> None:
        """Apply fills and marks without publishing a snapshot for each (fast cold start)."""
        self._staged = {}

    def end_replay(self) -> None:
        """Publish one snapshot per account changed during the replay."""
        staged, self._staged = self._staged, None
        for account, (positions, cash) in (staged or {}).items():
            ts = max((p.updated_ns for p in positions.values()), default=0)
            old = self._accounts[account]
            self._accounts[account] = _snapshot(account, positions, cash[0], ts, old.version + 1)

    def image(self) -> tuple[dict[str, Decimal], dict[str, AccountSnapshot]]:
        """Return the marks and every account's snapshot (a snapshot's capture).

        Account snapshots are immutable and their position maps are never
        changed once published, so copying the two dicts captures the book.
        """
        return dict(self._marks), dict(self._accounts)

    def restore(
        self,
        marks: Mapping[str, Decimal],
        accounts: Mapping[str, tuple[dict[str, Position], Decimal]],
    ) -> None:
        """Load marks, and positions and cash per account, during a replay (see begin_replay).

        The accounts are staged as if their fills had just been replayed, so
        :meth:`end_replay` publishes the same snapshots a full replay would.
        """
        assert self._staged is not None, "restore() belongs between begin_replay and end_replay"
        self._marks.update(marks)
        for account, (positions, cash) in accounts.items():
            self._staged[account] = (dict(positions), [cash])
            for symbol in positions:
                self._holders.setdefault(symbol, set()).add(account)

    def _stage(self, account: str) -> tuple[dict[str, Position], list[Decimal]]:
        assert self._staged is not None
        staged = self._staged.get(account)
        if staged is None:
            snap = self._accounts[account]
            staged = self._staged[account] = (dict(snap.positions), [snap.cash])
        return staged

    def snapshot(self, account: str) -> AccountSnapshot:
        """Return the account's current snapshot (KeyError when unknown)."""
        return self._accounts[account]

    def snapshots(self, accounts: Iterable[str] = ()) -> list[AccountSnapshot]:
        """Return snapshots for ``accounts`` (all when empty), ordered by account."""
        names = sorted(accounts) if accounts else sorted(self._accounts)
        return [self._accounts[n] for n in names if n in self._accounts]

    def position(self, account: str, symbol: str) -> Position | None:
        return self._accounts[account].positions.get(symbol)

    def quantity(self, account: str, symbol: str) -> Decimal:
        pos = self._accounts[account].positions.get(symbol)
        return pos.quantity if pos else ZERO

    def mark(self, symbol: str) -> Decimal | None:
        return self._marks.get(symbol)

    def adjust_cash(self, account: str, delta: Decimal, ts_ns: int) -> None:
        """Move an account's cash by ``delta`` (its venue equity baseline)."""
        if self._staged is not None:
            _, cash = self._stage(account)
            cash[0] = EXACT.add(cash[0], delta)
            return
        snap = self._accounts[account]
        self._accounts[account] = replace(
            snap, cash=EXACT.add(snap.cash, delta), updated_ns=ts_ns, version=snap.version + 1
        )

    def held(self, symbol: str) -> bool:
        """Whether any account has (or had) a position in ``symbol``: its mark moves P&L."""
        return bool(self._holders.get(symbol))

    def on_fill(
        self,
        account: str,
        symbol: str,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        ts_ns: int,
    ) -> AccountSnapshot:
        """Fold a fill into the account and publish a new snapshot."""
        self.fill(account, symbol, side, quantity, price, fee, ts_ns)
        return self._accounts[account]

    def fill(
        self,
        account: str,
        symbol: str,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        ts_ns: int,
    ) -> tuple[Decimal, Position]:
        """Fold a fill in (as :meth:`on_fill`); return the quantity before, the position after."""
        notional = EXACT.multiply(quantity, price)
        cash_delta = -notional if side is Side.BUY else notional
        if self._staged is not None:
            positions, cash_cell = self._stage(account)
            old = positions.get(symbol) or Position(
                account=account, symbol=symbol, mark=self._marks.get(symbol, price)
            )
            new = positions[symbol] = apply_fill(old, side, quantity, price, fee, ts_ns)
            cash_cell[0] = EXACT.subtract(EXACT.add(cash_cell[0], cash_delta), fee)
            self._holders.setdefault(symbol, set()).add(account)
            return old.quantity, new
        snap = self._accounts[account]
        held = snap.positions.get(symbol)
        old = held or Position(account=account, symbol=symbol, mark=self._marks.get(symbol, price))
        new = apply_fill(old, side, quantity, price, fee, ts_ns)
        cash = EXACT.subtract(EXACT.add(snap.cash, cash_delta), fee)
        positions = dict(snap.positions)
        positions[symbol] = new
        self._holders.setdefault(symbol, set()).add(account)
        self._accounts[account] = _advance(snap, held, new, positions, cash, ts_ns)
        return old.quantity, new

    def on_mark(self, symbol: str, price: Decimal, ts_ns: int) -> list[AccountSnapshot]:
        """Re-mark every position in ``symbol``; return the accounts that changed."""
        self._marks[symbol] = price
        if self._staged is not None:
            for account in self._holders.get(symbol, ()):
                positions, _ = self._stage(account)
                positions[symbol] = replace(positions[symbol], mark=price, updated_ns=ts_ns)
            return []
        changed = []
        for account in sorted(self._holders.get(symbol, ())):
            snap = self._accounts[account]
            positions = dict(snap.positions)
            old = positions[symbol]
            positions[symbol] = new = replace(old, mark=price, updated_ns=ts_ns)
            result = _advance(snap, old, new, positions, snap.cash, ts_ns)
            self._accounts[account] = result
            changed.append(result)
        return changed
