"""
Splunk HEC sink against a local HTTPS HEC emulator (trustme CA): batching, retries, TLS, token.
"""

from __future__ import annotations

import json

import pytest
from ship_helpers import finding_ids, run
from support.siem_emulator import HecEmulator

from scanner.ship import RetryPolicy, ShipConfigError, ShipIncomplete, deliver, read_records
from scanner.ship.splunk import SplunkSink

TOKEN = "hec-7c1e0f3a-planted-token-9d2b"


def no_sleep():
    waits: list[float] = []
    return waits, RetryPolicy(attempts=4, sleep=waits.append)


def test_every_finding_arrives_once_with_hec_envelope(scan_json):
    with HecEmulator(TOKEN) as hec:
        sink = SplunkSink(hec.url, TOKEN, ca_file=hec.ca_file)
        report = deliver(read_records(scan_json), sink)
    expected = finding_ids(scan_json)
    assert [e["event"]["id"] for e in hec.events] == expected
    assert report.delivered == len(expected) and report.retries == 0
    first = hec.events[0]
    assert (first["source"], first["sourcetype"]) == ("ccscan", "ccscan:finding")
    assert isinstance(first["time"], float) and first["time"] > 1.6e9
    assert first["event"] == json.loads(scan_json.read_text())["findings"][0]


def test_batches_stay_under_hec_content_length(scan_json):
    with HecEmulator(TOKEN, max_content_length=20_000) as hec:
        sink = SplunkSink(hec.url, TOKEN, ca_file=hec.ca_file)
        sink.max_batch_bytes = 20_000
        report = deliver(read_records(scan_json), sink)
    assert report.batches > 1 and report.batches == len(hec.bodies)
    assert max(len(b) for b in hec.bodies) <= 20_000
    assert len(hec.events) == len(finding_ids(scan_json))


def test_429_and_503_are_retried_honouring_retry_after(scan_json):
    waits, policy = no_sleep()
    with HecEmulator(TOKEN) as hec:
        hec.script = [(429, "7"), (503, None)]
        report = deliver(read_records(scan_json), SplunkSink(hec.url, TOKEN, ca_file=hec.ca_file),
                         policy)
    assert report.retries == 2
    assert waits[0] == 7.0 and 0 <= waits[1] <= 1.0  # Retry-After, then jittered backoff
    assert len(hec.events) == len(finding_ids(scan_json))


def test_persistent_503_stops_with_exit_3_and_a_count(scan_json):
    _, policy = no_sleep()
    with HecEmulator(TOKEN) as hec:
        hec.script = [(503, "0")] * 10
        with pytest.raises(ShipIncomplete) as e:
            deliver(read_records(scan_json), SplunkSink(hec.url, TOKEN, ca_file=hec.ca_file), policy)
    assert e.value.exit_code == 3 and e.value.delivered == 0
    assert "after 4 attempts" in e.value.message and "0 findings delivered" in e.value.message
    assert len(hec.requests) == 4


def test_wrong_token_is_a_configuration_error_without_the_token(scan_json):
    with HecEmulator(TOKEN) as hec, pytest.raises(ShipConfigError) as e:
        deliver(read_records(scan_json), SplunkSink(hec.url, "wrong-" + TOKEN, ca_file=hec.ca_file))
    assert "403" in e.value.message and TOKEN not in e.value.message


def test_tls_is_verified_without_the_private_ca(scan_json):
    with HecEmulator(TOKEN) as hec, pytest.raises(ShipIncomplete) as e:
        deliver(read_records(scan_json), SplunkSink(hec.url, TOKEN))
    assert "TLS verification failed" in e.value.message
    assert not hec.events


@pytest.mark.parametrize("url", ["http://127.0.0.1:8088", "ftp://x", "127.0.0.1:8088", ""])
def test_only_https_urls(url):
    with pytest.raises(ShipConfigError):
        SplunkSink(url, TOKEN)


def test_token_with_a_newline_is_refused_without_echo():
    with pytest.raises(ShipConfigError) as e:
        SplunkSink("https://127.0.0.1:1", TOKEN + "\r\nX-Evil: 1")
    assert TOKEN not in str(e.value)


def test_cli_ship_never_prints_the_token(scan_json, caplog):
    with HecEmulator(TOKEN) as hec:
        env = {"HEC_TOKEN": TOKEN}
        ok = run("-v", "ship", str(scan_json), "--to", "splunk", "--splunk-url", hec.url,
                 "--splunk-ca", hec.ca_file, "--splunk-token-env", "HEC_TOKEN", env=env)
        hec.script = [(503, "0")] * 20
        incomplete = run("-v", "ship", str(scan_json), "--to", "splunk", "--splunk-url", hec.url,
                         "--splunk-ca", hec.ca_file, "--splunk-token-env", "HEC_TOKEN",
                         "--ship-attempts", "2", env=env)
        refused = run("-v", "ship", str(scan_json), "--to", "splunk", "--splunk-url", hec.url,
                      "--splunk-ca", hec.ca_file, "--splunk-token-env", "HEC_TOKEN",
                      env={"HEC_TOKEN": "x" + TOKEN})
    missing = run("ship", str(scan_json), "--to", "splunk", "--splunk-url", hec.url,
                  env={"CCSCAN_SPLUNK_TOKEN": ""})
    assert ok.exit_code == 0, ok.output
    assert f"shipped {len(finding_ids(scan_json))} findings to splunk" in ok.output
    assert incomplete.exit_code == 3 and "0 findings delivered" in incomplete.output
    assert refused.exit_code == 2
    assert missing.exit_code == 2 and "CCSCAN_SPLUNK_TOKEN" in missing.output
    for res in (ok, incomplete, refused, missing):
        assert TOKEN not in res.output
    assert TOKEN not in caplog.text


def test_scan_ship_splunk(tmp_path):
    with HecEmulator(TOKEN) as hec:
        res = run("scan", "fixtures/azure", "--format", "json", "-o", str(tmp_path / "r.json"),
                  "--ship", "splunk", "--splunk-url", hec.url, "--splunk-ca", hec.ca_file,
                  env={"CCSCAN_SPLUNK_TOKEN": TOKEN})
    assert res.exit_code in (0, 1), res.output
    assert [e["event"]["id"] for e in hec.events] == finding_ids(tmp_path / "r.json")
    assert TOKEN not in res.output


def test_scan_ship_config_error_before_scanning(tmp_path):
    res = run("scan", "fixtures/azure", "-o", str(tmp_path / "r.json"), "--ship", "splunk",
              env={"CCSCAN_SPLUNK_TOKEN": TOKEN})
    assert res.exit_code == 2 and "--splunk-url" in res.output
    assert not (tmp_path / "r.json").exists()


def test_scan_ship_incomplete_delivery_exits_3_unless_findings_fail(tmp_path):
    import tempfile
    from pathlib import Path

    before = set(Path(tempfile.gettempdir()).glob("ccscan-ship-*"))
    with HecEmulator(TOKEN) as hec:
        hec.script = [(503, "0")] * 50
        common = ["--ship", "splunk", "--splunk-url", hec.url, "--splunk-ca", hec.ca_file,
                  "--ship-attempts", "2", "--format", "json", "-o", str(tmp_path / "r.json")]
        failing = run("scan", "fixtures/azure", *common, env={"CCSCAN_SPLUNK_TOKEN": TOKEN})
        quiet = run("scan", "fixtures/azure", "--fail-on", "none", *common,
                    env={"CCSCAN_SPLUNK_TOKEN": TOKEN})
    assert failing.exit_code == 1, failing.output  # failing findings keep 1, as with incomplete scopes
    assert "delivery stopped after 2 attempts" in failing.output
    assert quiet.exit_code == 3, quiet.output
    assert TOKEN not in failing.output + quiet.output
    assert set(Path(tempfile.gettempdir()).glob("ccscan-ship-*")) == before  # temp result removed


def test_redirects_are_not_followed_so_the_token_stays(scan_json):
    # urllib's default handler would follow a 302 as a GET, Authorization header included
    with HecEmulator(TOKEN) as hec:
        hec.redirect_to = hec.url + "/stolen"
        with pytest.raises(ShipIncomplete) as e:
            deliver(read_records(scan_json), SplunkSink(hec.url, TOKEN, ca_file=hec.ca_file))
    assert "302" in e.value.message and "redirects are not followed" in e.value.message
    assert [r["path"] for r in hec.requests] == ["/services/collector/event"]
