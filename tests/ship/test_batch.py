"""
The shared batching and retry helper, with a sink that implements the real interface.
"""

from __future__ import annotations

import pytest

from scanner.ship import (
    Batch,
    RetryPolicy,
    SendError,
    ShipConfigError,
    ShipIncomplete,
    ShipRecord,
    deliver,
)
from scanner.ship.batch import MAX_RETRY_AFTER, batches, parse_retry_after


class RecordingSink:
    name = "recording"

    def __init__(self, max_bytes=100, max_records=1000, failures=(), parts=False):
        self.max_batch_bytes = max_bytes
        self.max_batch_records = max_records
        self.failures = list(failures)
        self.sent: list[Batch] = []
        self.calls = 0
        self.parts = parts

    def partition(self, record):
        return record.scan_id if self.parts else ""

    def encode(self, record):
        return record.finding_id.encode()

    def send(self, batch):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(batch)


def recs(n, size=10, scans=("s",)):
    return [ShipRecord(f"{i:0{size}d}", None, scans[i % len(scans)], ocsf={}) for i in range(n)]


def test_batches_respect_bytes_and_records():
    sink = RecordingSink(max_bytes=55, max_records=3)
    out = list(batches(recs(10), sink))
    assert [len(b.records) for b in out] == [3, 3, 3, 1]
    sink = RecordingSink(max_bytes=33)  # 10 bytes + separator each: 3 fit in 33
    out = list(batches(recs(7), sink))
    assert [len(b.records) for b in out] == [3, 3, 1] and all(b.size <= 33 for b in out)
    assert [b.part for b in out] == [0, 1, 2]


def test_an_oversized_record_goes_alone_and_is_not_dropped():
    sink = RecordingSink(max_bytes=20)
    big = ShipRecord("x" * 50, None, "s", ocsf={})
    out = list(batches([*recs(1), big, *recs(1)], sink))
    assert [[r.finding_id for r in b.records] for b in out] == [["0000000000"], ["x" * 50], ["0000000000"]]


def test_partitions_number_their_parts_separately():
    sink = RecordingSink(max_records=2, parts=True)
    out = list(batches(recs(7, scans=("a", "b")), sink))
    assert sorted((b.partition, b.part, len(b.records)) for b in out) == [
        ("a", 0, 2), ("a", 1, 2), ("b", 0, 2), ("b", 1, 1)]


def test_many_partitions_hold_bounded_bytes():
    sink = RecordingSink(max_bytes=100, max_records=1000, parts=True)
    sink.max_open_bytes = 200  # 18 records of 11 bytes
    scans = tuple(f"p{i}" for i in range(50))
    consumed = 0

    def counted():
        nonlocal consumed
        for r in recs(1000, scans=scans):
            consumed += 1
            yield r

    yielded, most_held = 0, 0
    out = []
    for b in batches(counted(), sink):
        most_held = max(most_held, consumed - yielded)
        yielded += len(b.records)
        out.append(b)
    assert yielded == 1000 and len({r.finding_id for b in out for r in b.records}) == 1000
    assert most_held <= 200 // 11 + 1  # without the bound, all 1000 would be held to the end
    again = [(b.partition, b.part) for b in batches(recs(1000, scans=scans), sink)]
    assert again == [(b.partition, b.part) for b in out]  # deterministic keys


def test_retries_then_success_counts_each_finding_once():
    waits: list[float] = []
    sink = RecordingSink(failures=[SendError("429", True, 2.0), SendError("503", True)])
    report = deliver(recs(5), sink, RetryPolicy(sleep=waits.append, rng=lambda: 1.0))
    assert report.delivered == 5 and report.retries == 2 and sink.calls == 3
    assert waits == [2.0, 1.0]  # Retry-After, then base * 2 ** 1 with jitter 1.0


def test_backoff_doubles_up_to_the_cap():
    policy = RetryPolicy(base=0.5, cap=3.0, rng=lambda: 1.0)
    assert [policy.delay(a, None) for a in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(1, 10_000) == MAX_RETRY_AFTER


def test_non_retryable_stops_at_once_with_counts():
    sink = RecordingSink(max_records=2, failures=[])
    sink.send = _fail_on_call(sink, 2, SendError("HEC answered 400", False))
    with pytest.raises(ShipIncomplete) as e:
        deliver(recs(5), sink, RetryPolicy(sleep=lambda s: None))
    assert e.value.delivered == 2 and "2 findings delivered in 1 batches" in e.value.message


def test_auth_failure_first_is_configuration_later_is_incomplete():
    with pytest.raises(ShipConfigError):
        deliver(recs(3), RecordingSink(failures=[SendError("403", False, auth=True)]))
    sink = RecordingSink(max_records=1)
    sink.send = _fail_on_call(sink, 2, SendError("403", False, auth=True))
    with pytest.raises(ShipIncomplete) as e:
        deliver(recs(3), sink)
    assert e.value.delivered == 1


def _fail_on_call(sink, n, error):
    original = type(sink).send

    def send(batch):
        sink.calls += 1
        if sink.calls == n:
            raise error
        sink.calls -= 1
        original(sink, batch)
        sink.calls += 0

    return send


@pytest.mark.parametrize("value,expected", [
    ("5", 5.0), (" 0 ", 0.0), ("1.5", 1.5), ("-1", None), ("soon", None), ("", None), (None, None),
    ("nan", None), ("inf", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0),
])
def test_retry_after_forms(value, expected):
    from email.utils import parsedate_to_datetime

    now = parsedate_to_datetime("Wed, 21 Oct 2015 07:27:50 GMT").timestamp()
    assert parse_retry_after(value, now=now) == expected
