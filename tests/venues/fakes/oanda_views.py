"""OANDA v20 JSON views of a :class:`~fakes.oanda_account.FakeAccount`: pure functions.

Shapes follow reference/venues.md §2.2 (and the wire log beside it); numbers
are strings, as OANDA sends them.
"""

from __future__ import annotations

from decimal import Decimal

from fakes.oanda_account import INSTRUMENTS, FakeAccount, Json, now_text


def instrument(name: str) -> Json:
    spec = INSTRUMENTS[name]
    return {
        "name": name,
        "type": "CURRENCY",
        "displayName": name.replace("_", "/"),
        "pipLocation": -4 if spec["displayPrecision"] == 5 else -2,
        "displayPrecision": spec["displayPrecision"],
        "tradeUnitsPrecision": spec["tradeUnitsPrecision"],
        "minimumTradeSize": "1",
        "maximumOrderUnits": "100000000",
        "marginRate": spec["marginRate"],
    }


def position(account: FakeAccount, name: str) -> Json:
    """One instrument's position: the net units on the long or the short side."""
    units, average = account.positions[name]
    zero = {"units": "0", "pl": "0.0000", "unrealizedPL": "0.0000", "financing": "0.0000"}
    side = zero | {"units": str(units), "averagePrice": str(average), "tradeIDs": ["1"]}
    long, short = (side, zero) if units > 0 else (zero, side) if units < 0 else (zero, zero)
    margin = abs(units) * account.prices[name] * Decimal(INSTRUMENTS[name]["marginRate"])
    return {
        "instrument": name,
        "long": long,
        "short": short,
        "pl": "0.0000",
        "unrealizedPL": "0.0000",
        "marginUsed": f"{margin:.4f}",
    }


def open_trades(account: FakeAccount) -> list[Json]:
    """One trade per open position (OANDA keeps one per opening fill; enough for a fake)."""
    return [
        {
            "id": str(n),
            "instrument": name,
            "price": str(average),
            "openTime": now_text(),
            "initialUnits": str(units),
            "currentUnits": str(units),
            "state": "OPEN",
            "realizedPL": "0.0000",
            "unrealizedPL": "0.0000",
            "financing": "0.0000",
            "marginUsed": "0.0000",
        }
        for n, (name, (units, average)) in enumerate(account.positions.items(), 1)
        if units != 0
    ]


def summary(account: FakeAccount) -> Json:
    unrealized = sum(
        (u * (account.prices[i] - avg) for i, (u, avg) in account.positions.items()),
        Decimal(0),
    )
    return {
        "id": account.account_id,
        "currency": account.currency,
        "balance": f"{account.balance:.4f}",
        "NAV": f"{account.balance + unrealized:.4f}",
        "unrealizedPL": f"{unrealized:.4f}",
        "marginRate": "0.0333",
        "marginUsed": f"{account.margin_used():.4f}",
        "marginAvailable": f"{account.margin_available():.4f}",
        "openPositionCount": sum(1 for u, _ in account.positions.values() if u != 0),
        "pendingOrderCount": sum(1 for o in account.orders.values() if o.state == "PENDING"),
        "lastTransactionID": account.last_id,
    }


def price(account: FakeAccount, name: str) -> Json:
    """One instrument's price: bid = ask (the fake has one price per instrument)."""
    text = str(account.prices[name])
    book = [{"price": text, "liquidity": 10000000}]
    return {
        "type": "PRICE",
        "instrument": name,
        "time": now_text(),
        "tradeable": True,
        "bids": book,
        "asks": book,
        "closeoutBid": text,
        "closeoutAsk": text,
    }


def transaction_pages(account: FakeAccount, start: str, end: str, size: int, url: str) -> Json:
    """``GET /transactions?from=&to=``: the count and idrange page URLs of a time range."""
    ids = [int(t["id"]) for t in account.transactions if start <= t["time"] <= end]
    pages = [
        f"{url}?from={ids[i]}&to={ids[min(i + size, len(ids)) - 1]}"
        for i in range(0, len(ids), size)
    ]
    return {"from": start, "to": end, "pageSize": size, "count": len(ids), "pages": pages}
