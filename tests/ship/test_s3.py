"""
S3 sink (Security Lake style OCSF JSONL) against moto's server on 127.0.0.1.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto.server import ThreadedMotoServer
from ship_helpers import finding_ids, run

from scanner.ship import RetryPolicy, ShipConfigError, ShipIncomplete, deliver, read_records
from scanner.ship.s3 import S3Sink, key_part

BUCKET = "security-lake-test"


@pytest.fixture(scope="module")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_url):
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def objects(client) -> dict[str, list[dict]]:
    out = {}
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        body = client.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read().decode()
        assert body.endswith("\n")
        out[obj["Key"]] = [json.loads(line) for line in body.splitlines()]
    return out


def test_objects_hold_the_same_events_as_format_ocsf(s3, moto_url, scan_json, scan_ocsf):
    report = deliver(read_records(scan_json), S3Sink(BUCKET, endpoint_url=moto_url, region="us-east-1"))
    stored = objects(s3)
    events = [e for key in sorted(stored) for e in stored[key]]
    expected = [json.loads(line) for line in scan_ocsf.read_text().splitlines()]
    by_uid = {e["metadata"]["uid"]: e for e in expected}
    assert len(events) == len(expected) == report.delivered
    for e in events:
        assert e == by_uid[e["metadata"]["uid"]]
    for key, evs in stored.items():
        assert key.startswith("ccscan/ocsf/region=") and key.endswith("-00000.ocsf.jsonl")
        assert "/eventday=20" in key and "/scan-fixture-" in key
        accounts = {(e.get("cloud") or {}).get("account", {}).get("uid") for e in evs}
        assert len(accounts) == 1  # one account per object, as the key says


def test_reship_overwrites_instead_of_duplicating(s3, moto_url, tmp_path):
    from support.ship_estate import many_findings

    path = many_findings(tmp_path / "big.json", 2_500, accounts=2, regions=("eastus",))
    sink = S3Sink(BUCKET, endpoint_url=moto_url)
    sink.max_batch_records = 1_000
    deliver(read_records(path), sink)
    first = objects(s3)
    deliver(read_records(path), sink)
    second = objects(s3)
    assert first == second
    assert sorted(first) == [
        f"ccscan/ocsf/region=eastus/accountid=00000000-0000-0000-0000-{a:012d}/eventday=20261128/"
        f"scan-generated-{p:05d}.ocsf.jsonl"
        for a in range(2) for p in range(2)
    ]
    assert sum(len(v) for v in first.values()) == 2_500


def test_ocsf_jsonl_input_ships_as_is(s3, moto_url, scan_ocsf):
    deliver(read_records(scan_ocsf), S3Sink(BUCKET, endpoint_url=moto_url))
    stored = [e for evs in objects(s3).values() for e in evs]
    expected = [json.loads(line) for line in scan_ocsf.read_text().splitlines()]
    assert sorted(map(json.dumps, stored)) == sorted(map(json.dumps, expected))


def test_slowdown_is_retried(s3, moto_url, scan_json):
    sink = S3Sink(BUCKET, endpoint_url=moto_url)
    failures = [503, 500]

    def slow_down(request, **kw):
        if failures:
            status = failures.pop(0)
            body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, _Raw(body))
        return None

    sink._client.meta.events.register("before-send.s3.PutObject", slow_down)
    waits: list[float] = []
    report = deliver(read_records(scan_json), sink, RetryPolicy(sleep=waits.append))
    assert report.retries == 2 and len(waits) == 2
    assert sum(len(v) for v in objects(s3).values()) == len(finding_ids(scan_json))


def test_missing_bucket_is_incomplete_not_retried_forever(moto_url, scan_json):
    with pytest.raises(ShipIncomplete) as e:
        deliver(read_records(scan_json), S3Sink("no-such-bucket-here", endpoint_url=moto_url),
                RetryPolicy(sleep=lambda s: None))
    assert "NoSuchBucket" in e.value.message and e.value.exit_code == 3


def test_hostile_key_parts_stay_in_one_segment():
    assert key_part("../../etc", "x") == "etc"
    assert key_part("a/b\\c\x00d", "x") == "a_b_c_d"
    assert key_part("", "unknown") == "unknown"
    with pytest.raises(ShipConfigError):
        S3Sink("bucket/with/slash", client=object())


def test_cli_ship_s3(s3, moto_url, scan_json):
    res = run("ship", str(scan_json), "--to", "s3", "--s3-bucket", BUCKET,
              "--s3-endpoint-url", moto_url, "--s3-prefix", "lake/ccscan")
    assert res.exit_code == 0, res.output
    stored = objects(s3)
    assert all(k.startswith("lake/ccscan/region=") for k in stored)
    assert sum(len(v) for v in stored.values()) == len(finding_ids(scan_json))
    missing = run("ship", str(scan_json), "--to", "s3")
    assert missing.exit_code == 2 and "--s3-bucket" in missing.output


class _Raw:
    """The raw-stream shape botocore reads a response body from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kw):
        yield self.body

    def read(self, *a):
        body, self.body = self.body, b""
        return body
