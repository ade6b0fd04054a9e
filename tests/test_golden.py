"""
The fixture estate's findings, pinned: any change in a policy, loader or the engine that
changes an outcome shows up here. Regenerate deliberately with CCSCAN_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden" / "fixtures-findings.json"


def test_fixture_findings_match_the_golden_file(ccscan, monkeypatch):
    monkeypatch.chdir(ROOT)
    doc = ccscan("scan", "fixtures", "--format", "json", "--scan-id", "golden").json()
    got = sorted(
        ({"policy": f["policy_id"], "resource": f["resource"]["id"], "status": f["status"], "id": f["id"]}
         for f in doc["findings"]),
        key=lambda d: (d["policy"], d["resource"]),
    )
    pinned = {"summary": doc["summary"], "controls": {f"{c['framework']}:{c['id']}": c["status"]
                                                      for c in doc["controls"]}, "findings": got}
    if os.environ.get("CCSCAN_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(pinned, indent=1) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert pinned["summary"] == expected["summary"]
    assert pinned["controls"] == expected["controls"]
    assert pinned["findings"] == expected["findings"]
