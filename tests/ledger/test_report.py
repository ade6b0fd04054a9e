"""
The period report over the 30-day ledger: exactly the day 5-8 exception (resolved by day 9,
4 days), the day-17 cadence gap, the controls that held, population changes.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from .conftest import seq

ROOT = Path(__file__).resolve().parents[2]
VM = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/"
DAY = 86400


@pytest.fixture(scope="module")
def report(built_ledger, ledger_keys, tmp_path_factory) -> dict:
    from click.testing import CliRunner

    from scanner.cli import main

    out = tmp_path_factory.mktemp("report") / "period.json"
    res = CliRunner().invoke(main, [
        "ledger", "report", str(built_ledger), "--key", f"{ledger_keys}.pub", "--from",
        "2026-03-01", "--to", "2026-03-30", "--framework", "soc2", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text())


def control(report: dict, cid: str) -> dict:
    return next(c for c in report["controls"] if c["id"] == cid)


def test_the_report_matches_its_schema(report):
    schema = json.loads((ROOT / "schemas" / "ledger-report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)
    assert len(report["scans"]) == 29


@pytest.mark.parametrize("cid", ["CC6.1", "C1.1"])
def test_exactly_the_day_5_to_8_exception(report, cid):
    c = control(report, cid)
    assert c["scans"] == 29 and c["held"] is False
    assert c["statuses"] == {"fail": 4, "pass": 25}
    assert [e["resource"] for e in c["exceptions"]] == [VM + "vm-b"]
    e = c["exceptions"][0]
    assert e["policy"] == "CCS-T-CVM-001"
    assert e["first_seen"]["sequence"] == seq(5) and e["first_seen"]["time"] == "2026-03-05T06:00:00Z"
    assert e["last_seen"]["sequence"] == seq(8)
    assert e["resolved_by"]["sequence"] == seq(9) and e["resolved_by"]["time"] == "2026-03-09T06:00:00Z"
    assert e["duration_seconds"] == 4 * DAY and e["open"] is False
    assert c["longest_time_to_remediate_seconds"] == 4 * DAY
    assert c["open_exceptions"] == 0
    assert [t["sequence"] for t in c["not_held_scans"]] == [5, 6, 7, 8]


def test_every_number_links_to_its_bundle(report):
    by_seq = {s["sequence"]: s["sha256"] for s in report["scans"]}
    e = control(report, "CC6.1")["exceptions"][0]
    for ref in (e["first_seen"], e["last_seen"], e["resolved_by"]):
        assert len(ref["sha256"]) == 64 and by_seq[ref["sequence"]] == ref["sha256"]


def test_the_control_that_held(report):
    held = [c["id"] for c in report["controls"] if c["held"]]
    assert held == ["CC6.7"]
    c = control(report, "CC6.7")
    assert c["statuses"] == {"pass": 29} and c["exceptions"] == []
    assert c["longest_time_to_remediate_seconds"] is None


def test_manual_and_unevaluated_controls_never_count_as_held(report):
    for c in report["controls"]:
        if c["id"] not in ("CC6.1", "C1.1", "CC6.7"):
            assert c["held"] is False
            assert "pass" not in c["statuses"], c
            assert set(c["statuses"]) <= {"manual", "not_evaluated"}
    assert control(report, "CC8.1")["statuses"] == {"manual": 29}


def test_the_day_17_cadence_gap(report):
    assert len(report["cadence_gaps"]) == 1
    g = report["cadence_gaps"][0]
    assert g["kind"] == "between scans"
    assert g["after"]["sequence"] == seq(16) and g["before"]["sequence"] == seq(18)
    assert g["from"] == "2026-03-16T06:00:00Z" and g["to"] == "2026-03-18T06:00:00Z"
    assert g["seconds"] == 2 * DAY and g["cadence_seconds"] == DAY


def test_population_changes(report):
    pop = report["population"]
    assert [(a["resource"], a["scan"]["sequence"]) for a in pop["appeared"]] == [(VM + "vm-c", seq(12))]
    assert [(d["resource"], d["last_seen"]["sequence"], d["gone_in"]["sequence"])
            for d in pop["disappeared"]] == [(VM + "vm-a", seq(19), seq(20))]
    assert pop["first_scan_resources"] == 2 and pop["last_scan_resources"] == 2


def test_scan_time_and_append_time_are_both_recorded(report):
    s = report["scans"][0]
    assert s["time"] == "2026-03-01T06:00:00Z"  # SOURCE_DATE_EPOCH: the signer's clock
    assert s["appended_at"] > "2026-11"  # the appender's real clock, not the scan's
    assert "signer's clock" in report["clock"]


def test_a_narrow_window(built_ledger, ledger_keys, ccscan):
    res = ccscan("ledger", "report", built_ledger, "--key", f"{ledger_keys}.pub",
                 "--from", "2026-03-10", "--to", "2026-03-12")
    assert res.exit_code == 0, res.stderr
    rep = json.loads(res.stdout)
    assert [s["sequence"] for s in rep["scans"]] == [10, 11, 12]
    assert control(rep, "CC6.1")["held"] is True and rep["cadence_gaps"] == []


def test_a_window_with_open_exception_and_edge_gaps(built_ledger, ledger_keys, ccscan):
    res = ccscan("ledger", "report", built_ledger, "--key", f"{ledger_keys}.pub",
                 "--from", "2026-02-25", "--to", "2026-03-06T12:00:00Z")
    rep = json.loads(res.stdout)
    e = control(rep, "CC6.1")["exceptions"][0]
    assert e["open"] is True and e["resolved_by"] is None and e["duration_seconds"] == DAY
    assert [g["kind"] for g in rep["cadence_gaps"]] == ["period start"]


@pytest.mark.parametrize("args, message", [
    (["--from", "yesterday", "--to", "2026-03-02"], "is not a date"),
    (["--from", "2026-03-05", "--to", "2026-03-01"], "--to must be after --from"),
])
def test_bad_windows_exit_2(built_ledger, ledger_keys, ccscan, args, message):
    res = ccscan("ledger", "report", built_ledger, "--key", f"{ledger_keys}.pub", *args)
    assert res.exit_code == 2 and message in res.stderr


def test_no_report_from_a_ledger_that_does_not_verify(ledger, ledger_keys, ccscan):
    (ledger / "bundles" / "000003.tar.gz").unlink()
    res = ccscan("ledger", "report", ledger, "--key", f"{ledger_keys}.pub",
                 "--from", "2026-03-01", "--to", "2026-03-30")
    assert res.exit_code == 1 and res.stdout == ""
    assert "sequence 3: bundle is missing" in res.stderr


def test_unknown_framework_is_an_error_not_an_empty_report(built_ledger, ledger_keys, ccscan):
    res = ccscan("ledger", "report", built_ledger, "--key", f"{ledger_keys}.pub",
                 "--from", "2026-03-01", "--to", "2026-03-30", "--framework", "soc3")
    assert res.exit_code == 2 and "no control of framework 'soc3'" in res.stderr


def test_a_period_without_scans_is_one_gap(built_ledger, ledger_keys, ccscan):
    res = ccscan("ledger", "report", built_ledger, "--key", f"{ledger_keys}.pub",
                 "--from", "2027-01-01", "--to", "2027-01-31")
    rep = json.loads(res.stdout)
    assert rep["scans"] == [] and rep["controls"] == []
    assert [g["kind"] for g in rep["cadence_gaps"]] == ["no scan in the period"]


def test_an_incomplete_scan_is_no_proof_of_holding(ccscan, ledger_keys, tmp_path):
    import shutil

    from .conftest import POLICY, ROOT, epoch, estate

    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "cvm.yaml").write_text(POLICY)
    shutil.copy(ROOT / "policies" / "frameworks" / "soc2.yaml", tmp_path / "policies")
    ledger = tmp_path / "ledger"
    for day in (1, 2, 3):
        inv = tmp_path / f"d{day}.jsonl"
        header = {"ccscan_snapshot": 1, "collector": "test", "time": "2026-03-01T00:00:00Z",
                  "source": "test", "incomplete": []}
        if day == 2:  # one subscription could not be read that day
            header["incomplete"] = [{"scope": "subscription s2", "reason": "403 Forbidden"}]
        lines = [header, *({**r, "provider": "azure", "account": "s1"} for r in estate(day)["value"])]
        inv.write_text("".join(json.dumps(x) + "\n" for x in lines))
        res = ccscan("scan", inv, "--policies", tmp_path / "policies", "--fail-on", "none",
                     "--bundle", tmp_path / "b.tar.gz", "--sign-key", f"{ledger_keys}.key",
                     "--ledger", ledger, env={"SOURCE_DATE_EPOCH": str(epoch(day))})
        assert res.exit_code == (3 if day == 2 else 0), res.stderr
    res = ccscan("ledger", "report", ledger, "--key", f"{ledger_keys}.pub",
                 "--from", "2026-03-01", "--to", "2026-03-03")
    rep = json.loads(res.stdout)
    c = control(rep, "CC6.7")
    assert c["statuses"] == {"pass": 3}
    assert c["held"] is False and c["incomplete_scans"] == 1
    assert [t["sequence"] for t in c["not_held_scans"]] == [2]
    assert [s["incomplete"] for s in rep["scans"]] == [0, 1, 0]
