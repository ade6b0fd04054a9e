"""
CCS-AWS-EC2-003 on files: an enclave parent's security groups come from a
describe-security-groups file of the same scan, matched by GroupId (not by ARN).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AWS = ROOT / "fixtures" / "aws" / "111122223333"
PARENT = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60003"  # key-broker-enclave-01
SG = "sg-0fedcba9876543210"


def findings(ccscan, folder: Path) -> list[dict]:
    res = ccscan("scan", str(folder), "--check", "CCS-AWS-EC2-003", "--format", "json")
    assert res.exit_code in (0, 1), res.stderr
    return [f for f in res.json()["findings"] if f["policy_id"] == "CCS-AWS-EC2-003"]


def test_the_fixture_parent_passes_and_other_instances_are_not_judged(tmp_path, ccscan):
    for name in ("describe-instances.json", "ec2-describe-security-groups.json"):
        shutil.copy(AWS / name, tmp_path / name)
    (f,) = findings(ccscan, tmp_path)
    assert (f["resource"]["id"], f["status"]) == (PARENT, "pass")


def test_an_open_rule_fails_naming_the_group(tmp_path, ccscan):
    shutil.copy(AWS / "describe-instances.json", tmp_path / "instances.json")
    groups = json.loads((AWS / "ec2-describe-security-groups.json").read_text())
    serving = next(g for g in groups["SecurityGroups"] if g["GroupId"] == SG)
    serving["IpPermissions"].append({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                     "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    (tmp_path / "groups.json").write_text(json.dumps(groups))
    (f,) = findings(ccscan, tmp_path)
    assert f["status"] == "fail"
    arn = f"arn:aws:ec2:eu-west-1:111122223333:security-group/{SG}"
    counts = {e["path"]: e["observed"] for e in f["evidence"] if "count(" in e["path"]}
    assert counts[f"properties.SecurityGroups[*].GroupId[{arn}].count(properties.IpPermissions[*])"] == 1


def test_a_group_missing_from_the_scan_is_unknown_naming_it(tmp_path, ccscan):
    shutil.copy(AWS / "describe-instances.json", tmp_path / "instances.json")
    (f,) = findings(ccscan, tmp_path)
    assert f["status"] == "unknown"
    assert SG in f["message"]
