"""
`ccscan scan --aws` / `collect --aws` end to end: a moto server on 127.0.0.1, the real CLI in a
subprocess, snapshots equal to live scans, auth failures and incomplete scopes as exit codes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

pytest.importorskip("moto")
from moto import mock_aws
from moto.server import ThreadedMotoServer
from support.aws_testing import build_estate

from tests.conftest import FIXTURES, ROOT

SECRET = "fake-secret-Zq9x"


@pytest.fixture(scope="module")
def moto_estate() -> tuple[str, dict[str, str]]:
    """The moto server's URL and the ids of what `build_estate` created there."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    saved = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = url
    try:
        ids = build_estate("us-east-1")
    finally:
        os.environ.pop("AWS_ENDPOINT_URL") if saved is None else os.environ.update(
            AWS_ENDPOINT_URL=saved)
    yield url, ids
    server.stop()


@pytest.fixture(scope="module")
def moto_url(moto_estate) -> str:
    return moto_estate[0]


def run_cli(url: str, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="AKIAFAKEFAKEFAKE",
               AWS_SECRET_ACCESS_KEY=SECRET, AWS_EC2_METADATA_DISABLED="true",
               AWS_DEFAULT_REGION="us-east-1", **extra_env)
    env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "scanner", *args], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)


def statuses(doc: dict) -> dict[tuple[str, str], str]:
    return {(f["policy_id"], f["resource"]["name"]): f["status"] for f in doc["findings"]}


def test_scan_aws_against_a_moto_server(moto_estate):
    moto_url, ids = moto_estate
    res = run_cli(moto_url, "scan", "--aws", "--region", "us-east-1", "--format", "json")
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    got = statuses(doc)
    assert got[("CCS-AWS-IMDS-001", "inference-1")] == "pass"
    assert got[("CCS-AWS-KMS-001", "alias/models")] == "pass"
    assert got[("CCS-AWS-KMS-001", "stale")] == "fail"
    assert got[("CCS-AWS-S3-001", "models-prod")] == "pass"
    assert got[("CCS-AWS-S3-001", "scratch-open")] == "fail"
    assert got[("CCS-AWS-ELB-002", "models")] == "pass"
    # Only the volume encrypted with the customer-managed key is in scope (the plain one is
    # not encrypted: not applicable), and it passes.
    ebs = {f["resource"]["id"].rsplit("/", 1)[-1]: f["status"] for f in doc["findings"]
           if f["policy_id"] == "CCS-AWS-EBS-002"}
    assert ebs == {ids["cmk_volume"]: "pass"}
    assert "pass" in {s for (p, _), s in got.items() if p == "CCS-AWS-BEDROCK-001"}
    assert got[("CCS-AWS-BEDROCK-002", "model-invocation-logging/us-east-1")] == "pass"
    assert doc["incomplete"] == []
    assert SECRET not in res.stdout + res.stderr


def test_unreachable_service_is_incomplete_exit_3(moto_url):
    with socket.socket() as s:  # a port on 127.0.0.1 that nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    res = run_cli(moto_url, "scan", "--aws", "--region", "us-east-1", "--format", "json",
                  "--policies", "policies/aws/kms.yaml", "--aws-max-attempts", "1",
                  AWS_ENDPOINT_URL_KMS=closed)
    assert res.returncode == 3, res.stderr
    (inc,) = json.loads(res.stdout)["incomplete"]
    assert inc["scope"] == "aws 123456789012/us-east-1 AWS::KMS::Key"
    assert inc["reason"].startswith("endpoint unreachable")


def test_rejected_credentials_exit_2_in_one_line(moto_url):
    # moto's STS rejects no key, so point STS at a closed port: auth cannot be established.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    res = run_cli(moto_url, "scan", "--aws", "--region", "us-east-1", "--aws-max-attempts", "1",
                  AWS_ENDPOINT_URL_STS=closed)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "aws: cannot reach STS" in lines[0]
    assert "Traceback" not in res.stderr and SECRET not in res.stderr


def test_no_credentials_exit_2(ccscan, monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    res = ccscan("scan", "--aws", "--region", "us-east-1")
    assert res.exit_code == 2
    assert "no credentials found" in res.stderr


def test_region_without_aws_is_a_usage_error(ccscan):
    res = ccscan("scan", str(FIXTURES), "--region", "us-east-1")
    assert res.exit_code == 2 and "--region" in res.stderr and "--aws" in res.stderr


def _comparable(doc: dict) -> dict:
    findings = sorted(
        ({k: f[k] for k in ("id", "policy_id", "status", "message", "resource", "evidence")}
         for f in doc["findings"]), key=lambda f: f["id"])
    return {"summary": doc["summary"], "controls": doc["controls"], "findings": findings,
            "incomplete": doc["incomplete"]}


def test_snapshot_scan_equals_live_scan(ccscan, tmp_path):
    snap = tmp_path / "aws.jsonl"
    with mock_aws():
        build_estate("us-east-1")
        collected = ccscan("collect", "--aws", "--region", "us-east-1", "-o", snap)
        live = ccscan("scan", "--aws", "--region", "us-east-1", "--format", "json")
    assert collected.exit_code == 0, collected.stderr
    header = json.loads(snap.read_text().splitlines()[0])
    assert header["collector"] == "aws" and header["accounts"] == ["123456789012"]
    assert header["regions"] == ["us-east-1"]
    offline = ccscan("scan", snap, "--format", "json")
    assert live.exit_code == offline.exit_code == 1
    assert _comparable(offline.json()) == _comparable(live.json())
    assert live.json()["summary"]["fail"] > 0 and live.json()["summary"]["pass"] > 0


def test_mixed_azure_and_aws_fixtures_give_one_report(ccscan):
    res = ccscan("scan", FIXTURES, "--format", "json", "--framework", "soc2")
    doc = res.json()
    providers = {f["resource"]["provider"] for f in doc["findings"]}
    assert providers == {"azure", "aws"}
    ids = [f"{c['framework']}:{c['id']}" for c in doc["controls"]]
    assert len(ids) == len(set(ids))  # one roll-up, not one per cloud
    cc67 = next(c for c in doc["controls"] if c["id"] == "CC6.7")
    assert {"CCS-AWS-ELB-001", "CCS-AWS-S3-001", "CCS-AZ-ST-001"} <= set(cc67["policies"])
    aws_types = {f["resource"]["type"] for f in doc["findings"] if f["resource"]["provider"] == "aws"}
    assert {"AWS::EC2::Instance", "AWS::KMS::Key", "AWS::S3::Bucket",
            "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::EC2::VPC"} <= aws_types
