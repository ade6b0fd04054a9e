"""
`ccscan lint --waivers`: unknown policy ids, key typos, match-everything globs.
"""

from __future__ import annotations

import textwrap

POLICIES = "policies"


def waivers(tmp_path, body):
    p = tmp_path / "w.yaml"
    p.write_text("waivers:\n" + textwrap.indent(textwrap.dedent(body), "  "))
    return p


ENTRY = """\
- policy: {policy}
  resource: "{resource}"
  reason: accepted
  owner: team@example.com
  expires: "2999-01-01"
"""


def test_a_valid_waiver_is_clean(ccscan, tmp_path):
    w = waivers(tmp_path, ENTRY.format(policy="CCS-AZ-VM-001", resource="/subscriptions/*/legacy/*"))
    res = ccscan("lint", POLICIES, "--waivers", w)
    assert res.exit_code == 0 and res.stdout == "", res.stdout


def test_waiver_naming_a_policy_that_does_not_exist_is_an_error(ccscan, tmp_path):
    w = waivers(tmp_path, ENTRY.format(policy="CCS-AZ-VM-01", resource="*legacy*"))
    res = ccscan("lint", POLICIES, "--waivers", w)
    assert res.exit_code == 2
    assert ('w.yaml:2: error: waiver names a policy that does not exist: "CCS-AZ-VM-01" '
            '(did you mean "CCS-AZ-VM-001"?) [waiver-unknown-policy]') in res.stdout
    w = waivers(tmp_path, ENTRY.format(policy="ACME-*", resource="*legacy*"))
    assert 'waiver matches no policy: "ACME-*"' in ccscan("lint", POLICIES, "--waivers", w).stdout


def test_a_key_typo_gets_a_did_you_mean(ccscan, tmp_path):
    w = waivers(tmp_path, ENTRY.format(policy="CCS-AZ-VM-001", resource="*").replace("expires:", "expire:"))
    res = ccscan("lint", POLICIES, "--waivers", w)
    assert res.exit_code == 2
    assert 'w.yaml:6:5: error: waivers/0: unknown key "expire" (did you mean "expires"?)' in res.stdout


def test_a_glob_matching_every_policy_and_resource_needs_allow_broad(ccscan, tmp_path):
    for policy in ("CCS-*", "'*'"):
        w = waivers(tmp_path, ENTRY.format(policy=policy, resource="**").replace("2999-01-01", "2000-01-01"))
        res = ccscan("lint", POLICIES, "--waivers", w)
        assert res.exit_code == 2, (policy, res.stdout)  # expired or not
        assert "--allow-broad-waivers" in res.stdout
        res = ccscan("lint", POLICIES, "--waivers", w, "--allow-broad-waivers")
        assert res.exit_code == 0, res.stdout
        assert "expired on 2000-01-01" in res.stdout
    w = waivers(tmp_path, ENTRY.format(policy="CCS-AZ-*", resource="*"))
    assert ccscan("lint", POLICIES, "--waivers", w).exit_code == 0  # not every policy
