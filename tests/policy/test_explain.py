"""
`--explain`: each condition with its path, observed value (redacted) and whether it held.
"""

from __future__ import annotations

import textwrap

POLICY = textwrap.dedent("""\
    id: T-EXPL-1
    title: Storage accounts take HTTPS with TLS 1.2
    severity: medium
    resource: Microsoft.Storage/storageAccounts
    where: {field: kind, equals: StorageV2}
    assert:
      allOf:
        - {field: properties.supportsHttpsTrafficOnly, equals: true}
        - {field: properties.minimumTlsVersion, in: [TLS1_2, TLS1_3]}
    tests:
      - {name: good, expect: pass, resource: {kind: StorageV2, properties: {supportsHttpsTrafficOnly: true, minimumTlsVersion: TLS1_2}}}
      - {name: old tls, expect: fail, resource: {kind: StorageV2, properties: {supportsHttpsTrafficOnly: true, minimumTlsVersion: TLS1_0}}}
    """)


def test_explain_prints_every_condition_with_observed_value_and_verdict(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(POLICY)
    res = ccscan("test", "--explain", p)
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    i = lines.index("     T-EXPL-1 on /test/old tls (Microsoft.Storage/storageAccounts): fail")
    assert lines[i + 1: i + 7] == [
        "       where: applies",
        '         kind equals "StorageV2": holds; observed "StorageV2"',
        "       assert: does not hold",
        "         allOf: does not hold",
        "           properties.supportsHttpsTrafficOnly equals true: holds; observed true",
        '           properties.minimumTlsVersion in ["TLS1_2","TLS1_3"]: does not hold; observed "TLS1_0"'
        .replace('","', '", "'),
    ]


def test_a_failing_case_prints_its_trace_unasked(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(POLICY.replace("{name: old tls, expect: fail", "{name: old tls, expect: pass"))
    res = ccscan("test", p)
    assert res.exit_code == 1
    assert "FAIL" in res.stdout and "T-EXPL-1 on /test/old tls" in res.stdout
    assert 'observed "TLS1_0"' in res.stdout
    assert "/test/good" not in res.stdout  # passing cases stay quiet without --explain


def test_missing_fields_and_requires_are_shown(ccscan, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(POLICY.replace("assert:", "requires: [properties.encryption]\nassert:").replace(
        "{name: old tls, expect: fail", "{name: old tls, expect: unknown"))
    res = ccscan("test", "--explain", p)
    assert res.exit_code == 1  # "good" lacks properties.encryption too: unknown, not pass
    assert "requires properties.encryption: missing -> unknown" in res.stdout


def test_observed_secrets_are_redacted_in_the_trace(ccscan, tmp_path):
    secret = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0"
    text = textwrap.dedent(f"""\
        id: T-EXPL-2
        title: t
        severity: low
        resource: Microsoft.Web/sites
        assert: {{field: 'properties.siteConfig.connectionStrings[*].connectionString', notLike: '*AccountKey=*'}}
        tests:
          - {{name: leak, expect: fail, resource: {{properties: {{siteConfig: {{connectionStrings: [{{name: db, connectionString: '{secret}'}}]}}}}}}}}
          - {{name: ok, expect: pass, resource: {{properties: {{siteConfig: {{connectionStrings: [{{name: db, connectionString: 'x'}}]}}}}}}}}
        """)
    p = tmp_path / "p.yaml"
    p.write_text(text)
    res = ccscan("test", "--explain", p)
    assert "connectionString" in res.stdout and "does not hold" in res.stdout
    assert "c2VjcmV0c2VjcmV0c2VjcmV0" not in res.stdout


def test_scan_explain_traces_each_resource_of_the_policy_to_stderr(ccscan, tmp_path):
    out = tmp_path / "r.json"
    res = ccscan("scan", "fixtures/azure", "--explain", "ccs-az-st-001", "--format", "json", "-o", out)
    assert res.exit_code in (0, 1)
    assert "CCS-AZ-ST-001 on /subscriptions/" in res.stderr
    assert "properties.supportsHttpsTrafficOnly equals true: does not hold; observed false" in res.stderr
    assert "CCS-AZ-VM-001" not in res.stderr
    res = ccscan("scan", "fixtures/azure", "--explain", "NOPE-1", "--format", "json", "-o", out)
    assert res.exit_code == 2 and "--explain: no policy 'NOPE-1'" in res.stderr


def test_count_traces_its_where_per_element_with_observed_values(ccscan, tmp_path):
    rules = ", ".join(f"{{value: 10.0.0.{i}}}" for i in range(25))
    text = textwrap.dedent(f"""\
        id: T-EXPL-3
        title: t
        severity: low
        resource: Microsoft.Storage/storageAccounts
        assert:
          count:
            field: 'properties.networkAcls.ipRules[*]'
            where: {{field: 'properties.networkAcls.ipRules[*].value', like: '10.0.0.*'}}
          equals: 0
        tests:
          - {{name: open, expect: fail, resource: {{properties: {{networkAcls: {{ipRules: [{{value: 1.2.3.4}}, {{value: 10.0.0.9}}]}}}}}}}}
          - {{name: many, expect: fail, resource: {{properties: {{networkAcls: {{ipRules: [{rules}]}}}}}}}}
        """)
    p = tmp_path / "p.yaml"
    p.write_text(text)
    res = ccscan("test", "--explain", p)
    assert res.exit_code == 0, res.stdout
    lines = [line.strip() for line in res.stdout.splitlines()]
    i = lines.index("count of properties.networkAcls.ipRules[*] where ... equals 0: does not hold; observed 1")
    assert lines[i + 1: i + 5] == [
        "element [0]: not counted",
        'properties.networkAcls.ipRules[*].value like "10.0.0.*": does not hold; observed "1.2.3.4"',
        "element [1]: counted",
        'properties.networkAcls.ipRules[*].value like "10.0.0.*": holds; observed "10.0.0.9"',
    ]
    assert "... and 5 more elements" in lines  # 25 rules: 20 traced one by one
    assert "element [19]: counted" in lines and "element [20]: counted" not in lines


def test_control_characters_from_the_inventory_never_reach_the_terminal_raw():
    from pathlib import Path

    from scanner.policy.catalog import load_catalog
    from scanner.policy.explain import explain

    cat = load_catalog([Path("policies")])
    policy = next(p for p in cat.policies if p.id == "CCS-AZ-ST-001")
    doc = {"id": "/x/\x1b]0;pwned\x07", "type": "Microsoft.Storage/storageAccounts",
           "properties": {"supportsHttpsTrafficOnly": "\x1b[2Jyes"}}
    text = "\n".join(explain(policy, doc))
    assert "\x1b" not in text and "\x07" not in text
    assert "\\u001b" in text  # shown escaped, not dropped
