"""
The engine: statuses, evidence, errors that do not stop the scan, streaming.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from scanner.engine import Engine
from scanner.findings import finding_id
from scanner.inventory.resource import Resource
from scanner.policy.catalog import Catalog, load_catalog
from scanner.sanitise import Sanitiser

POLICY = """\
id: T-APP-1
title: Web apps use TLS 1.2+
severity: high
resource: [Microsoft.Web/sites, microsoft.web/SITES/slots]
where: {field: kind, notContains: functionapp}
requires: [properties.siteConfig]
assert:
  allOf:
    - {field: properties.httpsOnly, equals: true}
    - {field: properties.siteConfig.minTlsVersion, versionAtLeast: "1.2"}
frameworks: {soc2: [CC6.7]}
remediation: az webapp update --https-only true
tests:
  - {name: ok, expect: pass, resource: {kind: app, properties: {httpsOnly: true, siteConfig: {minTlsVersion: "1.2"}}}}
  - {name: bad, expect: fail, resource: {kind: app, properties: {httpsOnly: false, siteConfig: {}}}}
"""


def catalog(tmp_path) -> Catalog:
    p = tmp_path / "p.yaml"
    p.write_text(POLICY)
    cat = load_catalog([p])
    cat.raise_on_errors()
    return cat


def site(name: str, **props) -> Resource:
    return Resource({"id": f"/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/{name}",
                     "type": "Microsoft.Web/Sites", "name": name, "kind": "app", "provider": "azure",
                     "account": "s", "properties": props}, "inv.json", 7)


def test_statuses_messages_and_evidence(tmp_path):
    engine = Engine(catalog(tmp_path))
    good = list(engine.findings(site("good", httpsOnly=True, siteConfig={"minTlsVersion": "1.3"})))
    bad = list(engine.findings(site("bad", httpsOnly=True, siteConfig={"minTlsVersion": "1.0"})))
    unknown = list(engine.findings(site("unknown", httpsOnly=True)))
    assert [f.status for f in good + bad + unknown] == ["pass", "fail", "unknown"]
    f = bad[0]
    assert f.id == finding_id("T-APP-1", f.resource["id"])
    assert f.resource["name"] == "bad" and f.source == "inv.json" and f.line == 7
    assert {e.path: e.observed for e in f.evidence} == {
        "kind": "app", "properties.httpsOnly": True, "properties.siteConfig.minTlsVersion": "1.0"}
    assert "expected" in f.message and "minTlsVersion='1.0'" in f.message
    assert "properties.siteConfig is absent" in unknown[0].message
    assert unknown[0].evidence[-1].present is False


def test_not_applicable_yields_no_finding(tmp_path):
    engine = Engine(catalog(tmp_path))
    fn = site("fn", httpsOnly=False)
    fn.doc["kind"] = "functionapp"
    assert list(engine.findings(fn)) == []
    other = Resource({"id": "x", "type": "Microsoft.Storage/storageAccounts", "properties": {}})
    assert list(engine.findings(other)) == []


def test_types_are_case_insensitive(tmp_path):
    engine = Engine(catalog(tmp_path))
    slot = site("slot", httpsOnly=True, siteConfig={"minTlsVersion": "1.2"})
    slot.doc["type"] = "MICROSOFT.WEB/sites/SLOTS"
    assert [f.status for f in engine.findings(Resource(slot.doc))] == ["pass"]


def test_an_exception_in_one_policy_is_an_error_finding_and_the_scan_goes_on(tmp_path):
    cat = catalog(tmp_path)

    def explode(doc, reads, elem):
        raise RuntimeError("boom")

    broken = replace(cat.policies[0], id="T-BROKEN-1", check=explode)
    cat.policies.append(broken)
    findings = list(Engine(cat).run([site("a", httpsOnly=True, siteConfig={"minTlsVersion": "1.2"}),
                                     site("b", httpsOnly=False, siteConfig={})]))
    assert [(f.policy_id, f.status) for f in findings] == [
        ("T-APP-1", "pass"), ("T-BROKEN-1", "error"), ("T-APP-1", "fail"), ("T-BROKEN-1", "error")]
    assert "RuntimeError: boom" in findings[1].message


def test_findings_stream_from_an_endless_source(tmp_path):
    engine = Engine(catalog(tmp_path))
    endless = (site(f"s{i}", httpsOnly=True, siteConfig={"minTlsVersion": "1.2"}) for i in itertools.count())
    first = list(itertools.islice(engine.run(endless), 1000))
    assert len(first) == 1000 and len({f.id for f in first}) == 1000


def test_engine_evidence_is_raw_and_the_stage_redacts_it(tmp_path):
    # The engine does no redaction (DESIGN.md): the sanitising stage after it does.
    p = tmp_path / "s.yaml"
    p.write_text(POLICY.replace("properties.httpsOnly, equals: true", "properties.accountKey, exists: false"))
    engine = Engine(load_catalog([p]))
    secret = "c2VjcmV0LWtleS12YWx1ZS0xMjM0NTY3ODkw"
    (f,) = engine.findings(site("k", accountKey=secret, siteConfig={"minTlsVersion": "1.2"}))
    assert f.status == "fail"
    assert {e.path: e.observed for e in f.evidence}["properties.accountKey"] == secret
    safe = Sanitiser().finding(f)
    assert secret not in repr(safe.to_dict())
    assert "[REDACTED sha256:" in repr(safe.to_dict())


def test_engine_does_not_import_the_sanitiser():
    import ast
    import inspect

    import scanner.engine

    tree = ast.parse(inspect.getsource(scanner.engine))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported and not any("sanitise" in m or "redact" in m for m in imported if m)


def test_app_settings_values_read_through_star_paths_are_redacted(tmp_path):
    # The setting's name is not on the path: every value under appSettings[*].value is hidden.
    p = tmp_path / "a.yaml"
    p.write_text(POLICY.replace("properties.httpsOnly, equals: true",
                                "'properties.siteConfig.appSettings[*].value', notContains: plain"))
    engine = Engine(load_catalog([p]))
    planted = "DB_PASSWORD=PLANTEDplainPassw0rd"
    res = site("s", siteConfig={"minTlsVersion": "1.2",
                                "appSettings": [{"name": "DB_PASSWORD", "value": planted}]})
    (f,) = engine.findings(res)
    assert f.status == "fail"
    text = repr(Sanitiser().finding(f).to_dict())
    assert "PLANTED" not in text and "[REDACTED sha256:" in text


def test_counts_are_not_redacted_even_over_secret_named_arrays(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text(POLICY.replace("field: properties.httpsOnly, equals: true",
                                "count: {field: 'properties.accessKeys[*]'}, equals: 0"))
    engine = Engine(load_catalog([p]))
    (f,) = engine.findings(site("k", accessKeys=["a", "b", "c"], siteConfig={"minTlsVersion": "1.2"}))
    assert f.status == "fail"
    assert {e.path: e.observed for e in f.evidence}["count(properties.accessKeys[*])"] == 3
