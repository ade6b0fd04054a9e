"""
Check selection: --check/--skip-check (ids and globs, any case), --severity, --framework in
any case; a pattern matching no policy is exit 2 with a did-you-mean.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.errors import UsageError
from scanner.policy.select import select_policies, severities
from scanner.scan import load_policies
from tests.conftest import FIXTURES

CATALOG = load_policies(None)
IDS = [p.id for p in CATALOG.policies]


def _ran(res) -> set[str]:
    return {f["policy_id"] for f in res.json()["findings"]}


def test_check_runs_only_the_named_policy_any_case(ccscan):
    res = ccscan("scan", FIXTURES, "--format", "json", "--check", "ccs-az-vm-001")
    assert _ran(res) == {"CCS-AZ-VM-001"}


def test_check_globs_and_skip_check(ccscan):
    res = ccscan("scan", FIXTURES, "--format", "json", "--check", "CCS-AZ-VM-*",
                 "--skip-check", "ccs-az-vm-00[12]")
    ran = _ran(res)
    assert ran and all(i.startswith("CCS-AZ-VM-") for i in ran)
    assert not ran & {"CCS-AZ-VM-001", "CCS-AZ-VM-002"}
    assert {"CCS-AZ-VM-003"} <= ran


def test_severity_levels(ccscan):
    res = ccscan("scan", FIXTURES, "--format", "json", "--severity", "HIGH,low", "--severity", "info")
    body = res.json()
    assert {f["severity"] for f in body["findings"]} == {"high", "low"}
    assert {p["severity"] for p in body["policies"]} == {"high", "low"}


def test_a_misspelt_check_is_exit_2_with_a_did_you_mean(ccscan):
    res = ccscan("scan", FIXTURES, "--skip-check", "CCS-AZ-VM-0001")
    assert res.exit_code == 2
    assert "--skip-check CCS-AZ-VM-0001: matches no policy (did you mean CCS-AZ-VM-001?)" in res.stderr
    res = ccscan("scan", FIXTURES, "--check", "NOPE-*")
    assert res.exit_code == 2 and "matches no policy" in res.stderr


def test_an_unknown_severity_is_exit_2(ccscan):
    res = ccscan("scan", FIXTURES, "--severity", "urgent")
    assert res.exit_code == 2 and "--severity urgent: not a severity" in res.stderr


def test_a_selection_of_nothing_is_exit_2_not_a_clean_scan(ccscan):
    res = ccscan("scan", FIXTURES, "--check", "CCS-AZ-VM-001", "--skip-check", "CCS-AZ-*")
    assert res.exit_code == 2 and "leaves no policy" in res.stderr


def test_framework_is_case_insensitive(ccscan):
    lower = ccscan("scan", FIXTURES, "--format", "json", "--framework", "soc2").json()
    upper = ccscan("scan", FIXTURES, "--format", "json", "--framework", "SOC2").json()
    assert [p["id"] for p in upper["policies"]] == [p["id"] for p in lower["policies"]]
    assert upper["controls"] == lower["controls"] and upper["controls"]


@given(st.sampled_from(IDS), st.lists(st.booleans(), min_size=1))
def test_any_casing_of_an_id_selects_exactly_it(policy_id, flips):
    cased = "".join(c.lower() if flips[i % len(flips)] else c.upper() for i, c in enumerate(policy_id))
    assert [p.id for p in select_policies(CATALOG, checks=[cased]).policies] == [policy_id]
    assert policy_id not in [p.id for p in select_policies(CATALOG, skips=[cased]).policies]


@given(st.text(min_size=1, max_size=30))
def test_arbitrary_patterns_select_or_refuse_never_crash(pattern):
    try:
        kept = select_policies(CATALOG, checks=[pattern]).policies
    except UsageError as e:
        assert "matches no policy" in str(e) or "leaves no policy" in str(e)
    else:
        assert kept


def test_severities_splits_and_lowercases():
    assert severities(["High, critical", "low"]) == {"high", "critical", "low"}
    with pytest.raises(UsageError):
        severities(["hgh"])


def test_completion_scripts_and_candidates(ccscan):
    for shell in ("bash", "zsh", "fish"):
        res = ccscan("completion", shell)
        assert res.exit_code == 0 and "_CCSCAN_COMPLETE" in res.stdout
    assert ccscan("completion", "tcsh").exit_code == 2


def test_completion_offers_policy_ids_and_formats():
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("ccscan")
    env = {**os.environ, "_CCSCAN_COMPLETE": "bash_complete", "COMP_CWORD": "3"}
    ids = subprocess.run([str(exe)], env={**env, "COMP_WORDS": "ccscan scan --check ccs-az-vm-00"},
                         capture_output=True, text=True, check=True).stdout.split()
    assert "plain,CCS-AZ-VM-001" in ids and all("CCS-AZ-VM-00" in i for i in ids)
    fmts = subprocess.run([str(exe)], env={**env, "COMP_WORDS": "ccscan scan --format s"},
                          capture_output=True, text=True, check=True).stdout.split()
    assert fmts == ["plain,sarif"]
