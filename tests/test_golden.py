"""
The fixture estate's findings, pinned: any change in a policy, loader or the engine that
changes an outcome shows up here. Regenerate deliberately with CCSCAN_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

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
        # Never green in update mode: a run that rewrote the file has compared nothing.
        pytest.fail(f"rewrote {GOLDEN}: review the diff, then run again without CCSCAN_UPDATE_GOLDEN")
    expected = json.loads(GOLDEN.read_text())
    assert pinned["summary"] == expected["summary"]
    assert pinned["controls"] == expected["controls"]
    assert pinned["findings"] == expected["findings"]


def test_update_mode_rewrites_the_file_and_fails(ccscan, monkeypatch, tmp_path):
    pinned_file = GOLDEN
    target = tmp_path / "golden.json"
    monkeypatch.setattr(sys.modules[__name__], "GOLDEN", target)
    monkeypatch.setenv("CCSCAN_UPDATE_GOLDEN", "1")
    with pytest.raises(pytest.fail.Exception, match="run again without CCSCAN_UPDATE_GOLDEN"):
        test_fixture_findings_match_the_golden_file(ccscan, monkeypatch)
    # It did write: the fresh file equals the committed one (the estate has not changed).
    assert json.loads(target.read_text()) == json.loads(pinned_file.read_text())
