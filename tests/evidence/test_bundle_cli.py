"""
The CLI: `keygen`, `scan --bundle --sign-key`, `bundle verify|show`; exit codes, and no
planted secret reaching the bundle.
"""

from __future__ import annotations

import gzip
import json
import stat
from pathlib import Path

import pytest

from .conftest import read_all, write_members

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
EPOCH = {"SOURCE_DATE_EPOCH": "1764331200"}


@pytest.fixture
def keys(ccscan, tmp_path) -> Path:
    res = ccscan("keygen", "--out", tmp_path / "ci")
    assert res.exit_code == 0, res.stderr
    return tmp_path / "ci"


@pytest.fixture
def bundle(ccscan, keys, tmp_path) -> Path:
    out = tmp_path / "evidence.tar.gz"
    res = ccscan("scan", FIXTURES, "--bundle", out, "--sign-key", f"{keys}.key", "--fail-on", "none")
    assert res.exit_code == 0, res.stderr
    return out


def test_keygen_cli(ccscan, tmp_path):
    res = ccscan("keygen", "--out", tmp_path / "k")
    assert res.exit_code == 0
    assert len(res.stdout.strip().split()[-1]) == 64  # prints the key id
    assert stat.S_IMODE((tmp_path / "k.key").stat().st_mode) == 0o600
    again = ccscan("keygen", "--out", tmp_path / "k")
    assert again.exit_code == 2 and "refusing to overwrite" in again.stderr


def test_keygen_passphrase_from_env_or_prompt_never_argv(ccscan, tmp_path):
    res = ccscan("keygen", "--out", tmp_path / "e", "--passphrase-env", "MY_PASS",
                 env={"MY_PASS": "s3cret-pass"})
    assert res.exit_code == 0
    assert b"ENCRYPTED" in (tmp_path / "e.key").read_bytes()
    res = ccscan("keygen", "--out", tmp_path / "p", "--passphrase-prompt", input="pw-1\npw-1\n")
    assert res.exit_code == 0 and b"ENCRYPTED" in (tmp_path / "p.key").read_bytes()
    assert ccscan("keygen", "--out", tmp_path / "u", "--passphrase-env", "UNSET_VAR_X").exit_code == 2
    assert ccscan("keygen", "--out", tmp_path / "a", "--passphrase", "pw").exit_code == 2


def test_scan_with_encrypted_key(ccscan, tmp_path):
    ccscan("keygen", "--out", tmp_path / "e", "--passphrase-env", "MY_PASS", env={"MY_PASS": "pw-42"})
    out = tmp_path / "b.tar.gz"
    args = ("scan", FIXTURES, "--bundle", out, "--sign-key", tmp_path / "e.key", "--fail-on", "none")
    res = ccscan(*args)
    assert res.exit_code == 2 and "encrypted" in res.stderr and not out.exists()
    assert ccscan(*args, env={"CCSCAN_KEY_PASSPHRASE": "wrong"}).exit_code == 2
    assert ccscan(*args, env={"CCSCAN_KEY_PASSPHRASE": "pw-42"}).exit_code == 0
    assert ccscan(*args, "--passphrase-env", "OTHER", env={"OTHER": "pw-42"}).exit_code == 0
    assert ccscan("bundle", "verify", out, "--key", tmp_path / "e.pub").exit_code == 0


def test_verify_ok(ccscan, bundle, keys):
    res = ccscan("bundle", "verify", bundle, "--key", f"{keys}.pub")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("OK: ") and "control soc2" in res.stdout
    res = ccscan("bundle", "verify", bundle, "--key", f"{keys}.pub", "--json")
    doc = res.json()
    assert doc["verified"] is True and doc["summary"]["fail"] > 0
    assert {m["path"] for m in doc["members"]} >= {"scan.json", "manifest.json", "summary.md",
                                                   "inventory/resources.jsonl", "frameworks/soc2.yaml"}
    assert any(m["path"].startswith("policies/azure/") for m in doc["members"])


def test_verify_tampered_exits_1_with_reason(ccscan, bundle, keys, tmp_path):
    members = read_all(bundle)
    members["summary.md"] = members["summary.md"].replace(b"fail", b"pass")
    bad = write_members(tmp_path / "bad.tar.gz", members)
    res = ccscan("bundle", "verify", bad, "--key", f"{keys}.pub")
    assert res.exit_code == 1
    assert "'summary.md' was modified" in res.stderr and res.stdout == ""
    res = ccscan("bundle", "verify", bad, "--key", f"{keys}.pub", "--json")
    assert res.exit_code == 1 and res.json()["verified"] is False
    assert "summary.md" in res.json()["reason"]


def test_verify_size_caps_from_the_cli(ccscan, keys, tmp_path):
    (tmp_path / "inv").mkdir()
    padding = "x" * 1000
    docs = [{"id": f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d{i}",
             "type": "Microsoft.Compute/disks", "name": f"d{i}", "location": "westeurope",
             "tags": {"note": padding}, "properties": {}} for i in range(1500)]
    (tmp_path / "inv" / "disks.json").write_text(json.dumps({"value": docs}))
    out = tmp_path / "big.tar.gz"
    # no policy judges a disk without properties: --allow-empty, the caps are the point here
    res = ccscan("scan", tmp_path / "inv", "--bundle", out, "--sign-key", f"{keys}.key",
                 "--fail-on", "none", "--allow-empty")
    assert res.exit_code == 0, res.stderr
    pub = f"{keys}.pub"
    assert ccscan("bundle", "verify", out, "--key", pub).exit_code == 0
    res = ccscan("bundle", "verify", out, "--key", pub, "--max-member-mb", "1")
    assert res.exit_code == 1 and "inventory/resources.jsonl" in res.stderr and "cap" in res.stderr
    res = ccscan("bundle", "verify", out, "--key", pub, "--max-total-mb", "1")
    assert res.exit_code == 1 and "possible gzip bomb" in res.stderr
    assert ccscan("bundle", "verify", out, "--key", pub, "--max-total-mb", "0").exit_code == 2


def test_verify_with_another_key_exits_1(ccscan, bundle, tmp_path):
    ccscan("keygen", "--out", tmp_path / "other")
    res = ccscan("bundle", "verify", bundle, "--key", tmp_path / "other.pub")
    assert res.exit_code == 1 and "not signed by this key" in res.stderr


def test_verify_unreadable_or_bad_usage_exits_2(ccscan, bundle, keys, tmp_path):
    res = ccscan("bundle", "verify", tmp_path / "nope.tar.gz", "--key", f"{keys}.pub")
    assert res.exit_code == 2 and "cannot read bundle" in res.stderr
    res = ccscan("bundle", "verify", bundle, "--key", f"{keys}.key")
    assert res.exit_code == 2 and "not a PEM public key" in res.stderr
    assert ccscan("bundle", "verify", bundle).exit_code == 2  # --key is required
    res = ccscan("scan", FIXTURES, "--sign-key", f"{keys}.key")
    assert res.exit_code == 2 and "--sign-key needs --bundle" in res.stderr
    res = ccscan("scan", FIXTURES, "--bundle", tmp_path / "no" / "dir" / "b.tar.gz")
    assert res.exit_code == 2


def test_bundle_show_says_unverified(ccscan, bundle):
    res = ccscan("bundle", "show", bundle)
    assert res.exit_code == 0
    assert res.stdout.startswith("# ccscan evidence: scan ")
    assert "NOT VERIFIED" in res.stderr


def test_bundle_show_refuses_unsafe_or_missing_files(ccscan, tmp_path):
    text = tmp_path / "x.tar.gz"
    text.write_text("not a bundle")
    res = ccscan("bundle", "show", text)
    assert res.exit_code == 1 and "not a gzip file" in res.stderr
    assert ccscan("bundle", "show", tmp_path / "missing.tar.gz").exit_code == 2


def test_cli_bundles_are_byte_identical(ccscan, tmp_path):
    outs = [tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"]
    for out in outs:
        res = ccscan("scan", FIXTURES, "--bundle", out, "--scan-id", "fixed-1", "--fail-on", "none",
                     env=EPOCH)
        assert res.exit_code == 0, res.stderr
    assert outs[0].read_bytes() == outs[1].read_bytes()
    scan = json.loads(read_all(outs[0])["scan.json"])
    assert scan["scan_id"] == "fixed-1" and scan["started_at"].startswith("2025-11-28T12:00:00")


PLANTED = {
    "account_key": "PLANTEDstorageACCOUNTkey0123456789abcdef+/==",
    "openai": "sk-PLANTEDopenaiKEY0123456789abcdefXYZ",
    "db_password": "PLANTEDdbPassw0rd-plain",
    "sas_sig": "PLANTEDsasSIGNATUREvalue%2Babc%3D",
    "conn_key": "PLANTEDconnSTRINGkey==",
    "admin": "PLANTEDadminPASSWORDvalue",
}


def planted_inventory(path: Path) -> Path:
    p = PLANTED
    sub = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers"
    site = {
        "id": f"{sub}/Microsoft.Web/sites/leaky", "name": "leaky", "type": "Microsoft.Web/sites",
        "location": "westeurope", "kind": "app",
        "properties": {
            "httpsOnly": True,
            "siteConfig": {
                "minTlsVersion": "1.2",
                "appSettings": [
                    {"name": "OPENAI_API_KEY", "value": p["openai"]},
                    {"name": "DB_PASSWORD", "value": p["db_password"]},
                    {"name": "BLOB_SAS_URL",
                     "value": f"https://x.blob.core.windows.net/c?sv=2022-11-02&sig={p['sas_sig']}"},
                    {"name": "REGION", "value": "westeurope"},
                ],
                "connectionStrings": [{
                    "name": "storage", "type": "Custom",
                    "connectionString": "DefaultEndpointsProtocol=https;AccountName=x;"
                                        f"AccountKey={p['conn_key']};EndpointSuffix=core.windows.net",
                }],
            },
        },
    }
    storage = {
        "id": f"{sub}/Microsoft.Storage/storageAccounts/leakystore", "name": "leakystore",
        "type": "Microsoft.Storage/storageAccounts", "location": "westeurope", "kind": "StorageV2",
        "properties": {"supportsHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2",
                       "keys": [{"keyName": "key1", "value": p["account_key"], "permissions": "FULL"}]},
    }
    vm = {
        "id": f"{sub}/Microsoft.Compute/virtualMachines/leakyvm", "name": "leakyvm",
        "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
        "properties": {"osProfile": {"adminUsername": "azureuser", "adminPassword": p["admin"]},
                       "securityProfile": {"securityType": "TrustedLaunch"}},
    }
    path.write_text(json.dumps({"value": [site, storage, vm]}))
    return path


SETTINGS_POLICY = """\
id: CCS-TEST-001
title: App settings hold no plain secrets (test policy that quotes the values)
severity: high
resource: Microsoft.Web/sites
assert:
  field: properties.siteConfig.appSettings[*].value
  notContains: PLANTED
"""


def test_planted_secrets_never_reach_the_bundle(ccscan, keys, tmp_path):
    inv = planted_inventory((tmp_path / "inv").mkdir() or tmp_path / "inv" / "estate.json")
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "settings.yaml").write_text(SETTINGS_POLICY)
    out = tmp_path / "leaky.tar.gz"
    res = ccscan("scan", inv, "--policies", "builtin", "--policies", tmp_path / "pol",
                 "--bundle", out, "--sign-key", f"{keys}.key", "--fail-on", "none")
    # 3: incomplete, the site's role assignments and endpoints are in no input (the transit chain)
    assert res.exit_code == 3, res.stderr
    assert ccscan("bundle", "verify", out, "--key", f"{keys}.pub").exit_code == 0
    blob = gzip.decompress(out.read_bytes())  # every member's bytes, uncompressed
    for name, secret in PLANTED.items():
        assert secret.encode() not in blob, name
        assert secret[:12].encode() not in blob, name  # nor a truncated quote of it
    members = read_all(out)
    assert b"[REDACTED sha256:" in members["inventory/resources.jsonl"]
    assert b"leakyvm" in members["inventory/resources.jsonl"]  # the resources are all there
    scan = json.loads(members["scan.json"])
    quoted = [f for f in scan["findings"] if f["policy_id"] == "CCS-TEST-001"]
    assert quoted and "[REDACTED sha256:" in json.dumps(quoted[0]["evidence"])


WAIVERS = """\
waivers:
  - policy: CCS-AZ-VM-001
    resource: "*"
    reason: legacy inference VMs, replaced by the CVM pool (RISK-12)
    owner: platform-team@example.com
    expires: 2099-03-31
  - policy: CCS-AZ-ST-001
    resource: "/subscriptions/*/nothing-matches-this"
    reason: stale
    owner: someone@example.com
    expires: 2099-01-01
"""


def test_waivers_file_and_waived_findings_are_in_the_bundle(ccscan, keys, tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS)
    out = tmp_path / "w.tar.gz"
    res = ccscan("scan", FIXTURES, "--waivers", waivers, "--bundle", out, "--sign-key",
                 f"{keys}.key", "--fail-on", "none")
    assert res.exit_code == 0, res.stderr
    assert ccscan("bundle", "verify", out, "--key", f"{keys}.pub").exit_code == 0
    members = read_all(out)
    assert members["waivers/waivers.yaml"] == WAIVERS.encode()
    summary = members["summary.md"].decode()
    assert "## Waived" in summary and "RISK-12" in summary
    assert "unused waiver" in summary and "CCS-AZ-ST-001" in summary
