"""
Planted secrets through the real CLI: every value place, every format, every bundle member.

An inventory carries each corpus secret in every place a value can appear (setting
values under harmless names, tags, free text, AWS tag pairs, request headers, nested
documents, resource names and ids, the snapshot's incomplete reasons), plus secrets that
only their key names (`adminPassword`, `keys[*].value`, `customData`, `UserData`); test
policies READ all of those fields and fail, so evidence and messages quote them. Then
`ccscan scan` writes table, json, ocsf, sarif and junit and a signed bundle, and every
output, every bundle member and stdout/stderr is searched for every secret's raw,
base64 and base64url forms.
"""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from .corpus import NAMED, Planted, corpus, leaks

FORMATS = ("table", "json", "ocsf", "sarif", "junit")
ROOT = Path(__file__).resolve().parents[2]

WEB_POLICY = """\
id: T-LEAK-WEB
title: every field a web app carries is read
severity: high
resource: Microsoft.Web/sites
assert:
  anyOf:
    - {field: name, equals: never}
    - {field: id, equals: never}
    - {field: tags, equals: never}
    - {field: "properties.siteConfig.appSettings[*].value", equals: never}
    - {field: "properties.siteConfig.appSettings[*]", equals: never}
    - {field: "properties.siteConfig.connectionStrings[*].connectionString", equals: never}
    - {field: properties.notes, equals: never}
    - {field: properties.headers, equals: never}
    - {field: properties, equals: never}
"""
VM_POLICY = """\
id: T-LEAK-VM
title: every secret-named field of a VM is read
severity: high
resource: Microsoft.Compute/virtualMachines
assert:
  anyOf:
    - {field: properties.osProfile.adminPassword, equals: never}
    - {field: properties.osProfile.customData, equals: never}
    - {field: properties.userData, equals: never}
    - {field: "properties.extensions[*].protectedSettings", equals: never}
    - {field: "properties.parameters.secret.secureValue", equals: never}
    - {field: properties.osProfile, equals: never}
"""
STORAGE_POLICY = """\
id: T-LEAK-ST
title: storage keys are read
severity: high
resource: Microsoft.Storage/storageAccounts
assert:
  anyOf:
    - {field: "properties.keys[*].value", equals: never}
    - {field: "properties.keys[*]", equals: never}
    - {field: name, equals: never}
"""
AWS_POLICY = """\
id: T-LEAK-EC2
title: EC2 user data and tags are read
severity: high
resource: AWS::EC2::Instance
requires: [properties.NotCollected]
assert: {field: properties.UserData.Value, equals: never}
"""
AWS_POLICY_2 = """\
id: T-LEAK-EC2-TAGS
title: EC2 tags are read
severity: medium
resource: AWS::EC2::Instance
assert:
  anyOf:
    - {field: "properties.Tags[*].Value", equals: never}
    - {field: properties.Tags, equals: never}
    - {field: properties.UserData.Value, equals: never}
    - {field: "properties.Environment.Variables", equals: never}
"""


def _arm_id(kind: str, name: str) -> str:
    return f"/subscriptions/sub-1/resourceGroups/rg/providers/{kind}/{name}"


def build_inventory(planted: list[Planted], rng: random.Random) -> tuple[list[dict], list[Planted]]:
    """Return (resource documents, every planted secret including the named ones)."""
    named: list[Planted] = []

    def secret_named(key: str) -> str:
        value = NAMED[key](rng)
        named.append(Planted(f"named {key}", value, (value,)))
        return value

    docs = []
    for i, p in enumerate(planted):
        t = p.text
        docs.append({
            "id": _arm_id("Microsoft.Web/sites", f"app{i}"), "type": "Microsoft.Web/sites",
            "name": f"app{i}", "location": "westeurope", "provider": "azure", "account": "sub-1",
            "tags": {"note": t, "api_token": secret_named("sasToken")},
            "properties": {
                "siteConfig": {
                    "appSettings": [{"name": "PLAIN_SETTING", "value": t},
                                    {"name": "DB_PASSWORD", "value": secret_named("adminPassword")}],
                    "connectionStrings": [{"name": "db", "type": "SQLAzure",
                                           "connectionString": secret_named("connectionString")}],
                },
                "notes": f"deployed by ci; see {t} (rotated)",
                "headers": {"Authorization": "Bearer " + secret_named("clientSecret"), "X-Note": t},
                "nested": {"a": [{"b": {"c": t}}]},
            },
        })
        user_data = base64.b64encode(f"#!/bin/sh\nexport TOKEN='{t}'\n".encode()).decode()
        docs.append({
            "id": f"arn:aws:ec2:eu-west-1:111122223333:instance/i-{i:017x}",
            "type": "AWS::EC2::Instance", "name": f"i-{i}", "location": "eu-west-1",
            "provider": "aws", "account": "111122223333",
            "properties": {
                "UserData": {"Value": user_data},
                "Tags": [{"Key": "note", "Value": t}, {"Key": "deploy_token",
                                                      "Value": secret_named("sasToken")}],
                "Environment": {"Variables": {"DB_PASS": secret_named("adminPassword"),
                                              "MODE": "fast"}},
            },
        })
        named.append(Planted("userData base64", user_data, (user_data,)))
    custom = base64.b64encode(b"#cloud-config\npassword: " + secret_named("adminPassword").encode())
    jwt = next(p.text for p in planted if p.kind == "jwt")
    docs += [
        {
            "id": _arm_id("Microsoft.Compute/virtualMachines", "vm1"),
            "type": "Microsoft.Compute/virtualMachines", "name": "vm1", "location": "westeurope",
            "provider": "azure", "account": "sub-1",
            "properties": {
                "osProfile": {"adminUsername": "azureuser", "adminPassword": secret_named("adminPassword"),
                              "customData": custom.decode()},
                "userData": base64.b64encode(secret_named("clientSecret").encode()).decode(),
                "extensions": [{"name": "ext", "protectedSettings": {
                    "commandToExecute": "run " + secret_named("clientSecret")}}],
                "parameters": {"secret": {"type": "secureString",
                                          "secureValue": secret_named("secureValue")}},
            },
        },
        {
            # a resource whose very name is a token: identity, but it must not leave either
            "id": _arm_id("Microsoft.Storage/storageAccounts", jwt),
            "type": "Microsoft.Storage/storageAccounts", "name": jwt, "location": "westeurope",
            "provider": "azure", "account": "sub-1",
            "properties": {"keys": [
                {"keyName": "key1", "value": secret_named("sasToken"), "permissions": "FULL"},
                {"keyName": "key2", "value": secret_named("secureValue"), "permissions": "FULL"},
            ]},
        },
    ]
    named.append(Planted("customData base64", custom.decode(), (custom.decode(),)))
    named.append(Planted("vm userData base64", docs[-2]["properties"]["userData"],
                         (docs[-2]["properties"]["userData"],)))
    return docs, planted + named


def write_snapshot(path: Path, docs: list[dict], planted: list[Planted]) -> None:
    sas = next(p.text for p in planted if p.kind == "sas url")
    bearer = next(p.text for p in planted if p.kind == "authorization bearer")
    header = {"ccscan_snapshot": 1, "collector": "test", "time": "2026-12-01T00:00:00Z",
              "source": "test:planted", "incomplete": [
                  {"scope": "storage acct", "reason": f"GET {sas} failed: 403"},
                  {"scope": "graph", "reason": f"request with {bearer} was refused"}]}
    with path.open("w") as f:
        f.write(json.dumps(header) + "\n")
        for d in docs:
            f.write(json.dumps(d) + "\n")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def bundle_members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("corpus")
    rng = random.Random(20261201)
    docs, planted = build_inventory(corpus(rng), rng)
    (tmp / "inv").mkdir()
    write_snapshot(tmp / "inv" / "planted.jsonl", docs, planted)
    pol = tmp / "pol"
    pol.mkdir()
    for name, text in (("web", WEB_POLICY), ("vm", VM_POLICY), ("st", STORAGE_POLICY),
                       ("ec2", AWS_POLICY), ("ec2tags", AWS_POLICY_2)):
        (pol / f"{name}.yaml").write_text(text)
    keygen = run_cli("keygen", "--out", str(tmp / "k"), cwd=tmp)
    assert keygen.returncode == 0, keygen.stderr
    args = ["scan", str(tmp / "inv"), "--policies", str(pol), "--scan-id", "corpus"]
    for fmt in FORMATS:
        args += ["--format", fmt, "--output", str(tmp / f"out.{fmt}")]
    args += ["--bundle", str(tmp / "e.tar.gz"), "--sign-key", str(tmp / "k.key")]
    proc = run_cli(*args, cwd=tmp)
    blobs = {f"out.{fmt}": (tmp / f"out.{fmt}").read_text(encoding="utf-8") for fmt in FORMATS}
    blobs["stdout"], blobs["stderr"] = proc.stdout, proc.stderr
    members = bundle_members(tmp / "e.tar.gz")
    for name, data in members.items():
        blobs[f"bundle:{name}"] = data.decode("utf-8")
    verify = run_cli("bundle", "verify", str(tmp / "e.tar.gz"), "--key", str(tmp / "k.pub"), cwd=tmp)
    return {"proc": proc, "blobs": blobs, "planted": planted, "members": members,
            "verify": verify, "result": json.loads(blobs["out.json"])}


def test_the_scan_ran_and_read_the_planted_fields(scanned):
    proc, result = scanned["proc"], scanned["result"]
    assert proc.returncode == 1, proc.stderr  # failing findings
    statuses = {(f["policy_id"], f["status"]) for f in result["findings"]}
    assert {("T-LEAK-WEB", "fail"), ("T-LEAK-VM", "fail"), ("T-LEAK-ST", "fail"),
            ("T-LEAK-EC2", "unknown"), ("T-LEAK-EC2-TAGS", "fail")} <= statuses
    text = json.dumps(result)
    # not vacuous: the evidence quotes the fields, with markers where the secrets were
    assert text.count("[REDACTED sha256:") > 1000
    web = next(f for f in result["findings"] if f["policy_id"] == "T-LEAK-WEB")
    paths = {e["path"] for e in web["evidence"]}
    assert {"tags", "properties.notes", "properties.headers", "properties"} <= paths
    assert "observed" in web["message"] and "[REDACTED sha256:" in web["message"]
    assert len(result["incomplete"]) == 2
    assert scanned["verify"].returncode == 0, scanned["verify"].stderr
    assert {"scan.json", "inventory/resources.jsonl", "summary.md", "manifest.json",
            "manifest.dsse.json"} <= set(scanned["members"])


def test_no_planted_secret_leaves(scanned):
    planted: list[Planted] = scanned["planted"]
    found = {where: leaks(blob, planted) for where, blob in scanned["blobs"].items()}
    leaked = {i for hits in found.values() for i, _, _ in hits}
    forms = sum(len(p.materials) for p in planted)
    print(f"\nplanted {len(planted)} secrets ({forms} materials x raw/base64/base64url) "
          f"in {len(scanned['blobs'])} outputs and bundle members; leaked {len(leaked)}")
    assert not {w: h for w, h in found.items() if h}


def test_non_secret_evidence_survives(scanned):
    # Redaction that ate everything would pass the leak test: plain values must stay.
    inventory = scanned["blobs"]["bundle:inventory/resources.jsonl"]
    assert '"adminUsername":"azureuser"' in inventory
    assert '"MODE":"fast"' in inventory and '"keyName":"key1"' in inventory
    assert '"name":"PLAIN_SETTING"' in inventory and "deployed by ci; see " in inventory
    table = scanned["blobs"]["out.table"]
    assert "T-LEAK-WEB" in table and "app0" in table
