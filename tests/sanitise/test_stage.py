"""
The stage: findings (evidence, messages, identity), resources and the result header, and
its place in run_scan, before every consumer.
"""

from __future__ import annotations

import json

from scanner.engine import Engine
from scanner.findings import Evidence, Finding, ScanResult
from scanner.inventory.resource import Resource
from scanner.policy.catalog import load_catalog
from scanner.sanitise import MARK_PREFIX, Sanitiser, mark
from scanner.sanitise.stage import WITHHELD
from scanner.scan import ScanOptions, run_scan

TOKEN = "ghp_" + "Q7x9Lm2Pz8Rt4Vw6Yb1Nc3Kd5Fg0Hj2Sa4Ue6I"
POLICY = """\
id: T-STAGE-1
title: notes and passwords are read
severity: high
resource: Microsoft.Web/sites
assert:
  anyOf:
    - {field: properties.notes, equals: never}
    - {field: properties.adminPassword, equals: never}
"""


def site(**props) -> Resource:
    return Resource({"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a",
                     "type": "Microsoft.Web/sites", "name": "a", "provider": "azure",
                     "properties": props}, "inv.json", 3)


def findings(tmp_path, resource: Resource) -> list[Finding]:
    p = tmp_path / "p.yaml"
    p.write_text(POLICY)
    return list(Engine(load_catalog([p])).findings(resource))


def test_a_secret_cut_by_the_message_limit_does_not_escape(tmp_path):
    # The engine cuts each quoted value at 117 characters: a token straddling the cut
    # would be too short for its own pattern. The stage rebuilds from sanitised evidence.
    (raw,) = findings(tmp_path, site(notes="x" * 100 + TOKEN, adminPassword="hunter2hunter2"))
    assert TOKEN[:12] in raw.message and TOKEN not in raw.message  # the engine's own quote
    safe = Sanitiser().finding(raw)
    assert safe.status == "fail" and safe.message.startswith("expected ")
    assert "ghp_" not in safe.message and "hunter2" not in safe.message
    assert "; observed properties.notes='xxx" in safe.message and MARK_PREFIX in safe.message
    ev = {e.path: e.observed for e in safe.evidence}
    assert ev["properties.notes"] == "x" * 100 + mark(TOKEN)
    assert ev["properties.adminPassword"] == mark("hunter2hunter2")


def test_a_clean_finding_is_returned_as_it_is(tmp_path):
    (raw,) = findings(tmp_path, site(notes="plain words only", adminPassword=None))
    stage = Sanitiser()
    assert stage.finding(raw) is raw


def error_finding(message: str, observed: str) -> Finding:
    return Finding(id="1", policy_id="T", title="t", severity="high", status="error",
                   message=message, resource={"id": "r", "name": "r"},
                   evidence=(Evidence("properties.osProfile.adminPassword", observed),))


def test_error_messages_lose_every_replaced_value():
    f = error_finding("evaluation error: ValueError: bad value 's3cr3t-value!' here", "s3cr3t-value!")
    safe = Sanitiser().finding(f)
    assert "s3cr3t" not in safe.message and mark("s3cr3t-value!") in safe.message
    # an exception text that quotes only the start of the value still gives it away
    cut = Sanitiser().finding(error_finding("evaluation error: KeyError: 's3cr3t-va", "s3cr3t-value!"))
    assert cut.message == WITHHELD


def test_error_details_are_searched_for_secret_text_too():
    f = error_finding(f"evaluation error: RuntimeError: GET https://u:pw12345@h/x {TOKEN}", "ok")
    safe = Sanitiser().finding(f)
    assert "pw12345" not in safe.message and TOKEN not in safe.message


def test_identity_is_sanitised_once_per_resource(tmp_path):
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVlMQ"
    res = Resource({"id": f"/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/{jwt}",
                    "type": "Microsoft.Web/sites", "name": jwt, "location": "westeurope",
                    "provider": "azure", "properties": {"notes": "n", "adminPassword": "p-1234"}})
    (raw,) = findings(tmp_path, res)
    stage = Sanitiser()
    safe = stage.finding(raw)
    assert jwt not in json.dumps(safe.to_dict())
    assert safe.resource["name"] == mark(jwt) and safe.resource["location"] == "westeurope"
    assert safe.resource["id"].endswith("/sites/" + mark(jwt))
    again = stage.finding(raw)
    assert again.resource is safe.resource  # same identity object: cleaned once


def test_resource_documents_and_sources():
    stage = Sanitiser()
    res = Resource({"id": "x", "type": "T", "properties": {"userData": "IyEvYmluL3NoCg=="}},
                   "https://acct.blob.core.windows.net/inv.json?sv=1&sig=SIGNATUREabc123", 4)
    clean = stage.resource(res)
    assert clean.doc["properties"]["userData"] == mark("IyEvYmluL3NoCg==")
    assert "SIGNATUREabc123" not in clean.source and clean.line == 4 and clean.type_key == "t"
    assert res.doc["properties"]["userData"] == "IyEvYmluL3NoCg=="  # not mutated


def test_header_pieces():
    result = ScanResult(scan_id="s", tool={"name": "ccscan", "version": "0"}, started_at="t")
    result.inputs = [{"source": "https://u:hunter2pw@host/inv.json", "resources": 1}]
    result.incomplete = [{"scope": "storage", "reason": "GET https://a/c?sv=1&sig=SIGxyz123456 403"}]
    result.extra = {"waivers": {"file": "w.yaml", "note": f"token {TOKEN}"}, "count": 3}
    Sanitiser().header(result)
    text = json.dumps(result.header_dict())
    assert "hunter2pw" not in text and "SIGxyz123456" not in text and TOKEN not in text
    assert result.extra["count"] == 3 and result.extra["waivers"]["file"] == "w.yaml"


def test_run_scan_sanitises_before_every_consumer(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(POLICY)
    catalog = load_catalog([p])
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"value": [{
        "id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a",
        "type": "Microsoft.Web/sites", "name": "a",
        "properties": {"notes": f"see {TOKEN}", "adminPassword": "hunter2hunter2"}}]}))
    seen_docs: list[dict] = []
    seen_findings: list[Finding] = []

    def transform(f: Finding) -> Finding:
        seen_findings.append(f)
        return f

    options = ScanOptions(inputs=[inv], resource_observers=[lambda r: seen_docs.append(r.doc)],
                          finding_transforms=[transform])
    result = run_scan(options, catalog)
    assert result.summary["fail"] == 1
    assert len(seen_docs) == 1 and len(seen_findings) == 1
    blob = json.dumps(seen_docs) + json.dumps(seen_findings[0].to_dict())
    assert TOKEN not in blob and "hunter2" not in blob and MARK_PREFIX in blob
