"""
Extension resources as children: diagnostic settings live at
`<resource id>/providers/Microsoft.Insights/diagnosticSettings/<name>`, and `count: related
... children: true` on the resource counts exactly its own.
"""

from __future__ import annotations

import pytest

from scanner.relindex import parent_key
from tests.policy.test_related import run

RG = "/subscriptions/0000-a/resourceGroups/rg/providers"
DS = "Microsoft.Insights/diagnosticSettings"
ACCOUNT = {"id": f"{RG}/Microsoft.CognitiveServices/accounts/ai1", "type": "Microsoft.CognitiveServices/accounts"}


def setting(owner: str, name: str, enabled: bool = True) -> dict:
    return {"id": f"{owner}/providers/microsoft.insights/diagnosticSettings/{name}", "type": DS,
            "properties": {"logs": [{"category": "Audit", "enabled": enabled}]}}


ENABLED = {"count": {"related": {"type": DS, "children": True},
                     "where": {"field": "properties.logs[*].enabled", "equals": True}}}


def test_an_accounts_own_settings_are_counted_and_no_others():
    own = [setting(ACCOUNT["id"].upper(), "to-law"), setting(ACCOUNT["id"], "off", enabled=False)]
    others = [
        setting(f"{RG}/Microsoft.CognitiveServices/accounts/ai10", "x"),   # a longer name, same prefix
        setting(f"{ACCOUNT['id']}/deployments/gpt", "y"),                  # a child's own setting
        setting(f"{RG}/Microsoft.Search/searchServices/ai1", "z"),
    ]
    ok, reads = run({**ENABLED, "equals": 1}, ACCOUNT, own + others)
    assert ok is True
    assert [v for p, v in reads if p.startswith("count(")] == [1]
    assert run({"count": {"related": {"type": DS, "children": True}}, "equals": 2}, ACCOUNT, own + others)[0]


def test_no_settings_counts_zero():
    elsewhere = [setting(f"{RG}/Microsoft.CognitiveServices/accounts/ai2", "x")]
    assert run({**ENABLED, "greaterOrEquals": 1}, ACCOUNT, elsewhere)[0] is False
    assert run({**ENABLED, "equals": 0}, ACCOUNT, elsewhere)[0] is True


@pytest.mark.parametrize(("key", "parent"), [
    ("/subscriptions/s/resourcegroups/rg/providers/a.b/c/d/providers/microsoft.insights/diagnosticsettings/x",
     "/subscriptions/s/resourcegroups/rg/providers/a.b/c/d"),
    ("/subscriptions/s/providers/microsoft.insights/diagnosticsettings/x", "/subscriptions/s"),
    ("/subscriptions/s/resourcegroups/rg/providers/a.b/zones/z/links/l",
     "/subscriptions/s/resourcegroups/rg/providers/a.b/zones/z"),
    ("/subscriptions/s/resourcegroups/rg/providers/a.b/c/d/e/f", "/subscriptions/s/resourcegroups/rg/providers/a.b/c/d"),
])
def test_parent_key(key, parent):
    assert parent_key(key) == parent


POLICY = """\
id: T-DIAG-1
title: accounts have an enabled diagnostic setting
severity: low
resource: Microsoft.CognitiveServices/accounts
assert:
  count:
    related: {type: Microsoft.Insights/diagnosticSettings, children: true}
    where: {field: 'properties.logs[*].enabled', equals: true}
  greaterOrEquals: 1
tests:
  - name: none
    expect: fail
    resource: {id: /subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a1}
  - name: one
    expect: pass
    resource: {id: /subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a1}
    related:
      - id: /subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a1/providers/Microsoft.Insights/diagnosticSettings/d
        type: Microsoft.Insights/diagnosticSettings
        properties: {logs: [{category: Audit, enabled: true}]}
"""


def test_a_case_without_related_resources_counts_zero_as_a_scan_does(tmp_path, ccscan):
    # A scan has a relation index (maybe empty) for a relational policy; so does `ccscan test`,
    # and `--explain` traces the case with its related resources.
    (tmp_path / "p.yaml").write_text(POLICY)
    res = ccscan("test", "--explain", str(tmp_path / "p.yaml"))
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "ok   T-DIAG-1 'none' (fail)" in res.stdout
    assert "count of related Microsoft.Insights/diagnosticSettings where ... greaterOrEquals 1: does not hold; observed 0" in res.stdout
    assert "ok   T-DIAG-1 'one' (pass)" in res.stdout
    assert "no related resources are available" not in res.stdout
