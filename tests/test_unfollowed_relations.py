"""
A `count` over related resources finds 0 when no input holds the related type at all, which a
result cannot tell from "none exist": the scan says so on stderr, naming the type and the
policies, and stays silent when the type is there or a forward reference already says
`unknown`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from scanner.coverage import unfollowed_relations
from scanner.relindex import Relation
from tests.conftest import ROOT

CHAIN = ROOT / "fixtures" / "azure" / "prod-ai" / "model-transit-chain.json"
WARNING = "no input holds a microsoft.authorization/roleassignments resource"


def _chain_without(tmp_path: Path, dropped: str) -> Path:
    doc = json.loads(CHAIN.read_text(encoding="utf-8"))
    doc["value"] = [r for r in doc["value"] if dropped not in r["type"]]
    (tmp_path / "chain.json").write_text(json.dumps(doc), encoding="utf-8")
    return tmp_path


def test_a_snapshot_without_role_assignments_is_called_out(ccscan, tmp_path):
    res = ccscan("scan", _chain_without(tmp_path, "roleAssignments"), "--format", "json", "-o", tmp_path / "r.json")
    # every finding left passes (two of the four apps fail the chain with role assignments):
    # without the incomplete scope this scan would be green (exit 0)
    assert res.exit_code == 3, res.stderr
    lines = [line for line in res.stderr.splitlines() if WARNING in line]
    assert len(lines) == 1, res.stderr
    assert "CCS-AZ-TRANSIT-001, CCS-AZ-TRANSIT-002, CCS-AZ-TRANSIT-003 follow from the 4 microsoft.web/sites" in lines[0]
    # the result itself shows no transit finding at all: the warning is the only trace
    result = json.loads((tmp_path / "r.json").read_text())
    assert not [f for f in result["findings"] if f["policy_id"].startswith("CCS-AZ-TRANSIT-")]
    assert result["incomplete"] == [{"scope": "microsoft.authorization/roleassignments",
                                     "reason": lines[0].removeprefix("ccscan: WARNING: ")}]


def test_the_whole_fixture_estate_raises_no_such_warning(ccscan, tmp_path):
    res = ccscan("scan", ROOT / "fixtures", "--format", "json", "-o", tmp_path / "r.json")
    assert res.exit_code == 1
    assert "no input holds" not in res.stderr, res.stderr


def test_missing_forward_targets_need_no_warning(ccscan, tmp_path):
    # VMs without their disk encryption sets: CCS-AZ-VM-006 says `unknown`, naming the set
    vms = ROOT / "fixtures" / "azure" / "prod-ai" / "virtual-machines.json"
    res = ccscan("scan", vms, "--format", "json", "-o", tmp_path / "r.json")
    assert res.exit_code == 1, res.stderr
    assert "diskencryptionsets" not in res.stderr, res.stderr


def _policy(pid: str, types: tuple[str, ...], *relations: Relation) -> SimpleNamespace:
    return SimpleNamespace(id=pid, types=types, relations=relations)


def test_only_counted_types_absent_from_the_index_with_their_judged_resources_read():
    ra = Relation("microsoft.authorization/roleassignments", ("properties", "principalId"), counted=True)
    des = Relation("microsoft.compute/diskencryptionsets")
    policies = [
        _policy("P-1", ("microsoft.web/sites",), ra),
        _policy("P-2", ("microsoft.web/sites", "microsoft.app/containerapps"), ra, des),
        _policy("P-3", ("microsoft.compute/virtualmachines",), des),
        _policy("P-4", ("microsoft.cognitiveservices/accounts",), ra),  # none of its resources read
    ]
    read = Counter({"microsoft.web/sites": 3, "microsoft.compute/virtualmachines": 2})
    assert unfollowed_relations(policies, set(), read) == [
        ("microsoft.authorization/roleassignments",
         ("no input holds a microsoft.authorization/roleassignments resource, which P-1, P-2 follow from "
          "the 3 microsoft.web/sites resource(s) read: their verdicts there rest on its absence"))]
    assert unfollowed_relations(policies, {"microsoft.authorization/roleassignments"}, read) == []
    assert unfollowed_relations(policies[:1], set(), read) == [
        ("microsoft.authorization/roleassignments",
         ("no input holds a microsoft.authorization/roleassignments resource, which P-1 follows from "
          "the 3 microsoft.web/sites resource(s) read: their verdicts there rest on its absence"))]
    assert unfollowed_relations(policies, set(), Counter()) == []
