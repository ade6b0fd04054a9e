"""
`ledger report --format oscal`: OSCAL assessment-results that NIST's published JSON schema
accepts, one result per scan, findings per control, observations per failing pair.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from .conftest import seq

SCHEMA = Path(__file__).resolve().parents[1] / "vendor" / "oscal" / "oscal_complete_schema.json"


def _python_regexes(node):
    """XML-Schema `\\p{L}`/`\\p{N}` -> Python re equivalents (see tests/vendor/oscal/SOURCES.md)."""
    if isinstance(node, dict):
        return {k: (v.replace("\\p{L}", "[^\\W\\d_]").replace("\\p{N}", "\\d")
                    if k == "pattern" and isinstance(v, str) else _python_regexes(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_python_regexes(v) for v in node]
    return node


@pytest.fixture(scope="module")
def validator():
    schema = _python_regexes(json.loads(SCHEMA.read_text()))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def oscal(built_ledger, ledger_keys) -> dict:
    from click.testing import CliRunner

    from scanner.cli import main

    res = CliRunner().invoke(main, [
        "ledger", "report", str(built_ledger), "--key", f"{ledger_keys}.pub", "--from",
        "2026-03-01", "--to", "2026-03-30", "--framework", "soc2", "--format", "oscal"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_valid_against_nists_schema(oscal, validator):
    errors = sorted(validator.iter_errors(oscal), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]


@pytest.mark.parametrize("breakage", ["no reviewed-controls", "bad uuid", "bad state", "no tz"])
def test_the_validator_would_catch_a_broken_document(oscal, validator, breakage):
    broken = json.loads(json.dumps(oscal))
    result = broken["assessment-results"]["results"][0]
    if breakage == "no reviewed-controls":
        del result["reviewed-controls"]
    elif breakage == "bad uuid":
        result["uuid"] = "not-a-uuid"
    elif breakage == "bad state":
        result["findings"][0]["target"]["status"]["state"] = "held"
    else:
        result["start"] = "2026-03-01T06:00:00"
    assert validator.is_valid(oscal) and not validator.is_valid(broken)


def test_one_result_per_scan_and_findings_per_control(oscal):
    ar = oscal["assessment-results"]
    assert ar["metadata"]["oscal-version"].startswith("1.1.")
    assert len(ar["results"]) == 29
    day6 = ar["results"][seq(6) - 1]
    assert day6["start"] == "2026-03-06T06:00:00Z"
    states = {f["target"]["target-id"]: f["target"]["status"]["state"] for f in day6["findings"]}
    assert states["soc2-CC6.1"] == "not-satisfied" and states["soc2-CC6.7"] == "satisfied"
    assert states["soc2-CC8.1"] == "not-satisfied"  # manual: never satisfied by a scan
    [obs] = day6["observations"]
    assert obs["subjects"][0]["title"].endswith("/vm-b")
    assert "observations" not in ar["results"][seq(9) - 1]


def test_every_observation_points_at_its_bundle(oscal):
    ar = oscal["assessment-results"]
    resources = {r["uuid"]: r for r in ar["back-matter"]["resources"]}
    for result in ar["results"]:
        for obs in result.get("observations", []):
            res = resources[obs["relevant-evidence"][0]["href"].lstrip("#")]
            assert res["rlinks"][0]["hashes"][0]["value"] in result["description"]


def test_deterministic(built_ledger, ledger_keys, oscal, ccscan):
    again = ccscan("ledger", "report", built_ledger, "--key", f"{ledger_keys}.pub", "--from",
                   "2026-03-01", "--to", "2026-03-30", "--framework", "soc2", "--format", "oscal")
    assert json.loads(again.stdout) == oscal
