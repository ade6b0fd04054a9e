"""
Sentinel sink: the real azure-monitor-ingestion client against a local Logs Ingestion emulator.
"""

from __future__ import annotations

import json
import time

import pytest
from ship_helpers import finding_ids, run
from support.siem_emulator import IngestionEmulator

from scanner.ship import RetryPolicy, ShipConfigError, ShipIncomplete, deliver, read_records
from scanner.ship.sentinel import ROW_COLUMNS, SentinelSink

TOKEN = "ingest-static-token-planted-41f9"
RULE = "dcr-00000000000000000000000000000001"
STREAM = "Custom-CcscanFindings"


class StaticCredential:
    """A TokenCredential with a fixed token (azure-core asks it for every request)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kw):
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


def sink(emu: IngestionEmulator, credential=None) -> SentinelSink:
    return SentinelSink(emu.url, RULE, STREAM, credential or StaticCredential(),
                        connection_verify=emu.ca_file)


def test_rows_equal_the_findings(scan_json):
    with IngestionEmulator(TOKEN, RULE, STREAM) as emu:
        cred = StaticCredential()
        report = deliver(read_records(scan_json), sink(emu, cred))
    findings = json.loads(scan_json.read_text())["findings"]
    assert [r["FindingId"] for r in emu.rows] == [f["id"] for f in findings]
    assert report.delivered == len(findings)
    assert all(tuple(r) == ROW_COLUMNS for r in emu.rows)
    row, f = emu.rows[0], findings[0]
    assert row["Finding"] == f
    assert (row["Status"], row["Severity"], row["PolicyId"]) == (f["status"], f["severity"], f["policy_id"])
    assert row["ResourceId"] == f["resource"]["id"] and row["Evidence"] == f["evidence"]
    assert row["ScanId"] == "scan-fixture" and row["TimeGenerated"].endswith("Z")
    assert cred.scopes[0] == ("https://monitor.azure.com/.default",)
    assert all(r["headers"].get("Content-Encoding") == "gzip" for r in emu.requests)


def test_429_then_success(scan_json):
    waits: list[float] = []
    with IngestionEmulator(TOKEN, RULE, STREAM) as emu:
        emu.script = [(429, "3")]
        report = deliver(read_records(scan_json), sink(emu), RetryPolicy(sleep=waits.append))
    assert waits == [3.0] and report.retries == 1
    assert [r["FindingId"] for r in emu.rows] == finding_ids(scan_json)
    assert [r["status"] for r in emu.requests] == [429, 204]


def test_large_scan_is_one_request_per_batch_under_the_limit(tmp_path, scan_json):
    from support.ship_estate import many_findings

    path = many_findings(tmp_path / "big.json", 6_000)
    with IngestionEmulator(TOKEN, RULE, STREAM) as emu:
        report = deliver(read_records(path), sink(emu))
    assert len(emu.rows) == 6_000
    assert report.batches > 1 and len(emu.requests) == report.batches  # the client did not split
    assert all(r["status"] == 204 for r in emu.requests)


def test_persistent_503_is_incomplete(scan_json):
    with IngestionEmulator(TOKEN, RULE, STREAM) as emu:
        emu.script = [(503, "0")] * 5
        with pytest.raises(ShipIncomplete) as e:
            deliver(read_records(scan_json), sink(emu), RetryPolicy(attempts=3, sleep=lambda s: None))
    assert e.value.exit_code == 3 and "503" in e.value.message and len(emu.requests) == 3


def test_bad_token_is_a_configuration_error_without_the_token(scan_json):
    with IngestionEmulator(TOKEN, RULE, STREAM) as emu, pytest.raises(ShipConfigError) as e:
        deliver(read_records(scan_json), sink(emu, StaticCredential("not-" + TOKEN)))
    assert TOKEN not in e.value.diagnostics()


def test_ocsf_input_cannot_make_rows(scan_ocsf):
    with IngestionEmulator(TOKEN, RULE, STREAM) as emu, \
            pytest.raises(ShipConfigError, match="scan result"):
        deliver(read_records(scan_ocsf), sink(emu))


def test_cli_needs_endpoint_and_rule(scan_json):
    res = run("ship", str(scan_json), "--to", "sentinel", "--sentinel-endpoint", "https://x")
    assert res.exit_code == 2 and "--sentinel-rule-id" in res.output
    res = run("ship", str(scan_json), "--to", "sentinel", "--sentinel-endpoint", "http://x",
              "--sentinel-rule-id", RULE)
    assert res.exit_code == 2 and "https://" in res.output


def test_cli_refuses_ocsf_for_sentinel_before_shipping_anywhere(scan_ocsf):
    from support.siem_emulator import HecEmulator

    with HecEmulator("t") as hec:
        res = run("ship", str(scan_ocsf), "--to", "splunk", "--to", "sentinel",
                  "--splunk-url", hec.url, "--splunk-ca", hec.ca_file,
                  "--sentinel-endpoint", "https://127.0.0.1:9", "--sentinel-rule-id", RULE,
                  env={"CCSCAN_SPLUNK_TOKEN": "t"})
    assert res.exit_code == 2 and "not OCSF JSONL" in res.output
    assert hec.requests == []
