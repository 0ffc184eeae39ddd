"""Journal file, codec and group commit."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal as D

import pytest

from fillgate.domain import events as ev
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import HaltScope, OrderType, Side, TimeInForce, TradingMode
from fillgate.domain.orders import Order
from fillgate.journal.codec import decode, encode
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.journal.log import HEADER, JournalCorrupt, recover
from fillgate.streams.bus import EventBus

ORDER = Order(
    order_id="O-1",
    client_order_id="c-1",
    account="a",
    symbol="S",
    side=Side.SELL,
    type=OrderType.STOP_LIMIT,
    time_in_force=TimeInForce.DAY,
    quantity=D("1.25"),
    limit_price=D("99.5"),
    stop_price=D("100"),
    strategy_id="st",
    tags=(("k", "v"),),
    reduce_only=True,
    venue="paper",
    created_ns=7,
    updated_ns=7,
)
COMMAND = SubmitOrder(
    account="a",
    symbol="S",
    side=Side.BUY,
    quantity=D("0.1"),
    type=OrderType.LIMIT,
    time_in_force=TimeInForce.GTC,
    client_order_id="c-2",
    limit_price=D("1.5"),
)
EVENTS = [
    ev.OrderAccepted(order_id="O-1", ts_ns=7, order=ORDER),
    ev.OrderAcknowledged(order_id="O-1", ts_ns=8, venue_order_id="V-1"),
    ev.OrderFilled(
        order_id="O-1",
        ts_ns=9,
        venue_exec_id="T-1",
        quantity=D("0.25"),
        price=D("99.123456789012"),
        fee=D("0.0001"),
    ),
    ev.OrderTriggered(order_id="O-1", ts_ns=10),
    ev.OrderCancelRequested(order_id="O-1", ts_ns=11),
    ev.OrderCancelRequested(order_id="O-1", ts_ns=11, by="console:ops"),
    ev.OrderCanceled(order_id="O-1", ts_ns=12, reason="asked"),
    ev.OrderCancelRejected(order_id="O-1", ts_ns=12, reason="late"),
    ev.OrderReplaceRequested(
        order_id="O-1", ts_ns=13, quantity=D(2), limit_price=None, stop_price=D(3)
    ),
    ev.OrderReplaced(order_id="O-1", ts_ns=14, quantity=D(2), limit_price=D(1), stop_price=None),
    ev.OrderReplaced(
        order_id="O-1",
        ts_ns=15,
        quantity=D(3),
        limit_price=D(1),
        stop_price=None,
        venue_order_id="V-9",
    ),
    ev.OrderReplaceRejected(order_id="O-1", ts_ns=15, reason="no"),
    ev.OrderRejected(order_id="O-1", ts_ns=16, reason="funds"),
    ev.OrderExpired(order_id="O-1", ts_ns=17, reason="day"),
    ev.TradingStateChanged(
        scope=HaltScope.SYMBOL,
        target="S",
        mode=TradingMode.REDUCING,
        reason="vol",
        requested_by="risk",
        ts_ns=18,
    ),
    ev.ReferencePriceMoved(symbol="S", price=D("101.01"), ts_ns=19),
    ev.OrderDenied(
        command=COMMAND,
        reason="TRADING_HALTED",
        message="halted",
        metadata=(("scope", "ALL"),),
        ts_ns=20,
    ),
    ev.VenueDrift(
        account="a",
        symbol="S",
        kind="position",
        ours="1.50",
        venue="-0.000001",
        message="position differs",
        ts_ns=21,
    ),
]


@pytest.mark.parametrize("event", EVENTS, ids=[type(e).__name__ for e in EVENTS])
def test_codec_every_event_round_trips_exactly(event):
    record = decode(encode(event, 42, 7, "X-1"))
    assert (record.journal_seq, record.stream_seq, record.exec_id) == (42, 7, "X-1")
    assert record.event == event


def test_codec_cancel_request_without_who_decodes_from_old_record():
    old = b'["cancel_requested",5,11,3,"X-1","O-1"]'  # written before "auth.by" existed
    assert decode(old).event == ev.OrderCancelRequested(order_id="O-1", ts_ns=11)
    assert b"auth.by" not in encode(ev.OrderCancelRequested(order_id="O-1", ts_ns=11), 5)


async def _written(path, events, policy=FsyncPolicy.BATCH):
    journal = Journal(path, policy)
    journal.open()
    journal.start()
    for i, event in enumerate(events, start=1):
        journal.append(event, stream_seq=i)
    await journal.durable()
    await journal.close()


async def test_journal_reopen_returns_every_record_in_order(tmp_path):
    path = tmp_path / "j.log"
    await _written(path, EVENTS[:5])
    records = list(Journal(path).open())
    assert [r.event for r in records] == EVENTS[:5]
    assert [r.journal_seq for r in records] == [1, 2, 3, 4, 5]


async def test_journal_reopen_continues_the_sequence(tmp_path):
    path = tmp_path / "j.log"
    await _written(path, EVENTS[:2])
    journal = Journal(path)
    journal.open()
    assert journal.next_seq == 3


async def test_journal_torn_tail_is_truncated_and_logged(tmp_path, log_events):
    path = tmp_path / "j.log"
    await _written(path, EVENTS[:3])
    whole = path.read_bytes()
    path.write_bytes(whole[:-5])  # the last record lost its end
    records = list(Journal(path).open())
    assert [r.event for r in records] == EVENTS[:2]
    (cut,) = log_events("journal_tail_truncated")
    assert (cut["level"], cut["records"]) == ("WARNING", "2")
    valid = int(cut["valid_bytes"])
    after = path.read_bytes()  # the torn bytes are gone: what follows is preallocated zeros
    assert valid < len(whole) - 5
    assert after[:valid] == whole[:valid] and not after[valid:].strip(b"\0")


async def test_journal_corrupt_last_record_is_truncated(tmp_path):
    path = tmp_path / "j.log"
    await _written(path, EVENTS[:3])
    data = bytearray(path.read_bytes())
    data[-2] ^= 0xFF  # flip a byte inside the last body: its CRC no longer matches
    path.write_bytes(bytes(data))
    assert len(list(Journal(path).open())) == 2


async def test_journal_garbage_appended_after_good_records_is_truncated(tmp_path):
    path = tmp_path / "j.log"
    await _written(path, EVENTS[:3])
    with open(path, "ab") as f:
        f.write(b"\x00\x01garbage")
    assert len(list(Journal(path).open())) == 3


async def test_journal_damage_before_good_records_refuses_to_start(tmp_path):
    path = tmp_path / "j.log"
    await _written(path, EVENTS[:4])
    data = bytearray(path.read_bytes())
    data[HEADER.size + 2] ^= 0xFF  # inside the first record
    path.write_bytes(bytes(data))
    with pytest.raises(JournalCorrupt):
        recover(path)


async def test_journal_durable_resolves_only_after_fsync(tmp_path, monkeypatch):
    import fillgate.journal.journal as module

    gate = threading.Event()
    real_fsync = module.os.fdatasync

    def slow_fsync(fd):
        gate.wait(5)
        real_fsync(fd)

    monkeypatch.setattr(module.os, "fdatasync", slow_fsync)
    journal = Journal(tmp_path / "j.log", FsyncPolicy.BATCH)
    journal.open()
    journal.start()
    journal.append(EVENTS[0])
    durable = journal.durable()
    await asyncio.sleep(0.05)
    assert not durable.done()
    gate.set()
    await asyncio.wait_for(durable, 2)
    await journal.close()


async def test_journal_durable_asked_while_unwaited_batch_fsyncs_waits_for_that_fsync(
    tmp_path, monkeypatch
):
    import fillgate.journal.journal as module

    gate = threading.Event()
    real_fsync = module.os.fdatasync

    def slow_fsync(fd):
        gate.wait(5)
        real_fsync(fd)

    monkeypatch.setattr(module.os, "fdatasync", slow_fsync)
    journal = Journal(tmp_path / "j.log", FsyncPolicy.BATCH)
    journal.open()
    journal.start()
    journal.append(EVENTS[0])
    await asyncio.sleep(0.01)  # the batch is written and its fsync started: nobody waited yet
    assert not journal.settled
    durable = journal.durable()
    await asyncio.sleep(0.05)
    assert not durable.done(), "durable() answered while the batch's fsync was still running"
    gate.set()
    await asyncio.wait_for(durable, 2)
    assert journal.settled
    await journal.close()


async def test_journal_appends_in_one_loop_turn_share_one_batch(tmp_path):
    journal = Journal(tmp_path / "j.log", FsyncPolicy.NEVER)
    journal.open()
    journal.start()
    for event in EVENTS[:5]:
        journal.append(event)
    await journal.durable()
    assert journal.batches == 1
    await journal.close()


async def test_gated_bus_delivers_events_only_once_journal_says_durable(tmp_path):
    bus = EventBus(gated=True)
    journal = Journal(tmp_path / "j.log", FsyncPolicy.BATCH)
    journal.on_durable = bus.release
    journal.open()
    journal.start()
    sub = bus.subscribe()
    published = bus.publish("a", "S", "payload")
    journal.append(EVENTS[1], stream_seq=published.sequence)
    assert sub.queue.empty() and bus.head == 0
    await journal.durable()
    assert (await sub.next(1)).sequence == 1
    await journal.close()


def test_journal_second_writer_on_same_file_is_refused(tmp_path):
    from fillgate.domain.errors import Unavailable

    first = Journal(tmp_path / "j.log")
    first.open()
    with pytest.raises(Unavailable) as err:
        Journal(tmp_path / "j.log").open()
    assert err.value.reason == "JOURNAL_IN_USE"
