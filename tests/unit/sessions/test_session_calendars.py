"""Calendar rules at their edges, all at fixed instants (no waiting, no system clock)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fillgate.sessions.calendars import Calendar, Phase, make_calendar, status

NY = ZoneInfo("America/New_York")


def ns(text: str, zone: ZoneInfo = NY) -> int:
    """An ISO local time in ``zone`` as UTC nanoseconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()) * 1_000_000_000


def utc(text: str) -> int:
    return ns(text, ZoneInfo("UTC"))


@pytest.fixture(scope="module")
def xnys() -> Calendar:
    return make_calendar("XNYS", pre_market_s=None, post_market_s=None)


@pytest.fixture(scope="module")
def fx() -> Calendar:
    return make_calendar("FX", pre_market_s=None, post_market_s=None)


def test_xnys_us_holiday_thanksgiving_closed_until_next_day_open(xnys: Calendar) -> None:
    st = status(xnys, ns("2026-11-26T11:00"))
    assert st.phase is Phase.CLOSED
    assert st.next_open_ns == ns("2026-11-27T09:30")


def test_xnys_half_day_closes_at_1300_et(xnys: Calendar) -> None:
    assert status(xnys, ns("2026-11-27T12:59")).next_close_ns == ns("2026-11-27T13:00")
    assert status(xnys, ns("2026-11-27T12:59")).phase is Phase.REGULAR
    assert status(xnys, ns("2026-11-27T13:00")).phase is Phase.POST_MARKET


def test_xnys_half_day_post_market_ends_1700_et(xnys: Calendar) -> None:
    assert status(xnys, ns("2026-11-27T16:59")).phase is Phase.POST_MARKET
    st = status(xnys, ns("2026-11-27T17:00"))
    assert st.phase is Phase.CLOSED
    assert st.next_open_ns == ns("2026-11-30T09:30")


def test_xnys_march_dst_switch_open_is_0930_et_on_both_sides(xnys: Calendar) -> None:
    # DST began Sunday 2026-03-08: the open moves from 14:30 to 13:30 UTC.
    assert status(xnys, ns("2026-03-06T10:00")).next_close_ns == utc("2026-03-06T21:00")
    assert status(xnys, ns("2026-03-07T10:00")).next_open_ns == utc("2026-03-09T13:30")
    assert status(xnys, utc("2026-03-09T13:29")).phase is Phase.PRE_MARKET
    assert status(xnys, utc("2026-03-09T13:30")).phase is Phase.REGULAR


def test_xnys_november_dst_switch_open_is_0930_et_on_both_sides(xnys: Calendar) -> None:
    # DST ended Sunday 2026-11-01: the open moves from 13:30 to 14:30 UTC.
    assert status(xnys, ns("2026-10-30T10:00")).next_close_ns == utc("2026-10-30T20:00")
    assert status(xnys, ns("2026-10-31T10:00")).next_open_ns == utc("2026-11-02T14:30")
    assert status(xnys, utc("2026-11-02T14:29")).phase is Phase.PRE_MARKET


def test_xnys_saturday_0300_et_closed_next_open_monday(xnys: Calendar) -> None:
    st = status(xnys, ns("2026-12-05T03:00"))
    assert st.phase is Phase.CLOSED
    assert st.next_open_ns == ns("2026-12-07T09:30")
    assert st.next_close_ns == ns("2026-12-07T16:00")


def test_xnys_pre_market_starts_0400_et(xnys: Calendar) -> None:
    assert status(xnys, ns("2026-12-07T03:59")).phase is Phase.CLOSED
    assert status(xnys, ns("2026-12-07T04:00")).phase is Phase.PRE_MARKET


def test_xnys_regular_session_names_next_day_open(xnys: Calendar) -> None:
    st = status(xnys, ns("2026-12-04T15:59"))
    assert st.phase is Phase.REGULAR
    assert st.next_open_ns == ns("2026-12-07T09:30")


def test_fx_friday_close_at_1700_new_york(fx: Calendar) -> None:
    assert status(fx, ns("2026-12-04T16:59")).phase is Phase.REGULAR
    st = status(fx, ns("2026-12-04T17:00"))
    assert st.phase is Phase.CLOSED
    assert st.next_open_ns == ns("2026-12-06T17:00")


def test_fx_sunday_open_at_1700_new_york(fx: Calendar) -> None:
    assert status(fx, ns("2026-12-06T16:59")).phase is Phase.CLOSED
    st = status(fx, ns("2026-12-06T17:00"))
    assert st.phase is Phase.REGULAR
    assert st.next_close_ns == ns("2026-12-11T17:00")


def test_fx_week_follows_dst_in_utc(fx: Calendar) -> None:
    # Summer: 17:00 EDT is 21:00 UTC; winter: 17:00 EST is 22:00 UTC.
    assert status(fx, utc("2026-07-03T20:59")).phase is Phase.REGULAR
    assert status(fx, utc("2026-07-03T21:00")).phase is Phase.CLOSED
    assert status(fx, utc("2026-12-04T21:59")).phase is Phase.REGULAR
    assert status(fx, utc("2026-12-04T22:00")).phase is Phase.CLOSED


def test_fx_weekend_across_march_dst_switch_reopens_1700_edt(fx: Calendar) -> None:
    st = status(fx, ns("2026-03-07T12:00"))
    assert st.next_open_ns == ns("2026-03-08T17:00") == utc("2026-03-08T21:00")


def test_crypto_at_midnight_is_open_with_no_close() -> None:
    cal = make_calendar("24/7", pre_market_s=None, post_market_s=None)
    st = status(cal, utc("2026-12-06T00:00"))
    assert st.phase is Phase.REGULAR
    assert st.next_open_ns is None and st.next_close_ns is None


def test_make_calendar_unknown_name_raises() -> None:
    with pytest.raises(ValueError, match="unknown calendar 'NOPE'"):
        make_calendar("NOPE", pre_market_s=None, post_market_s=None)
