"""The paper price feed: the CSV format, its errors, and replay (issue 12)."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D
from pathlib import Path

import pytest

from fillgate.marketdata.feed import FeedError, FeedQuote, PriceFeed, load_feed

SAMPLE = Path(__file__).parents[3] / "examples" / "quotes" / "sample.csv"
SYMBOLS = {"BTC-USD", "ETH-USD", "AAPL", "EUR-USD"}
HEADER = "time,symbol,bid,ask,last\n"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + body)
    return path


def test_feed_sample_file_loads_in_time_order() -> None:
    quotes = load_feed(SAMPLE, SYMBOLS)

    assert len(quotes) == 200
    assert quotes[0].offset_ns == 0
    assert quotes[-1].offset_ns == 49_750_000_000
    assert {q.symbol for q in quotes} == SYMBOLS


def test_feed_row_offsets_and_prices_exact(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "2026-01-05T14:30:00.000Z,EUR-USD,1.08455,1.08465,\n"
        "2026-01-05T14:30:00.250Z,EUR-USD,,,1.0846\n",
    )

    first, second = load_feed(path, SYMBOLS)

    assert (first.bid, first.ask, first.last) == (D("1.08455"), D("1.08465"), None)
    assert (second.offset_ns, second.last) == (250_000_000, D("1.0846"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2026-01-05T14:30:00Z,NOPE,1,2,\n", ":2: unknown symbol"),
        ("yesterday,EUR-USD,1,2,\n", ":2: time 'yesterday' is not ISO 8601"),
        ("2026-01-05T14:30:00Z,EUR-USD,2,1,\n", ":2: bid 2 is above ask 1"),
        ("2026-01-05T14:30:00Z,EUR-USD,1e3,2,\n", ":2: bid is not a decimal"),
        ("2026-01-05T14:30:00Z,EUR-USD,1,,\n", ":2: give bid and ask, or last"),
        (
            "2026-01-05T14:30:01Z,EUR-USD,1,2,\n2026-01-05T14:30:00Z,EUR-USD,1,2,\n",
            ":3: time goes back",
        ),
        ("2026-01-05T14:30:00Z,EUR-USD,1,2\n", ":2: expected 5 columns"),
    ],
)
def test_feed_bad_row_raises_naming_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        load_feed(_write(tmp_path, body), SYMBOLS)


def test_feed_bad_header_raises(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text("ts,sym\n")

    with pytest.raises(FeedError, match=":1: the header must be"):
        load_feed(path, SYMBOLS)


def _quotes(n: int, step_ns: int) -> list[FeedQuote]:
    return [
        FeedQuote(offset_ns=i * step_ns, symbol="XYZ", bid=D(100 + i), ask=D(101 + i), last=None)
        for i in range(n)
    ]


async def test_feed_speed_zero_delivers_every_quote_in_order() -> None:
    seen: list[D | None] = []
    feed = PriceFeed(_quotes(200, 10**9), lambda q: seen.append(q.bid), speed=0)

    await feed.run()

    assert seen == [D(100 + i) for i in range(200)]


async def test_feed_speed_keeps_spacing_divided_by_speed() -> None:
    seen: list[float] = []
    loop = asyncio.get_running_loop()
    feed = PriceFeed(_quotes(3, 100_000_000), lambda q: seen.append(loop.time()), speed=2)

    await feed.run()

    assert seen[2] - seen[0] == pytest.approx(0.1, abs=0.04)  # 200 ms of file at 2x


async def test_feed_loop_starts_over_until_stopped() -> None:
    feed = PriceFeed(_quotes(5, 0), lambda q: None, speed=0, loop=True)

    feed.start()
    while feed.delivered < 12:
        await asyncio.sleep(0)
    await feed.stop()

    assert feed.delivered >= 12
