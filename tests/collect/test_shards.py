"""
`ccscan collect --shard-by`: one snapshot per Azure subscription (ARM emulator, three
subscriptions) or AWS account (moto), a manifest written last, and `ccscan scan DIR` refusing a
shard set that is missing a file, edited, mixed with another run, or without its manifest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("azure.mgmt.compute")
pytest.importorskip("trustme")

from support.arm_emulator import TOKEN
from support.azure_testing import AZURE_FIXTURES, StaticCredential, comparable, settings_for

from scanner.collect.shards import MANIFEST, write_shards


def header(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8").splitlines()[0])



def shard_collect(ccscan, arm, az_env, out: Path, *extra: str):
    return ccscan("collect", "--azure", "--arm-endpoint", arm.url, "--shard-by", "subscription",
                  "-o", str(out), *extra, env=az_env)


def test_one_snapshot_per_subscription_and_a_manifest_that_scans_like_the_files(
        arm, az_env, ccscan, tmp_path):
    out = tmp_path / "shards"
    res = shard_collect(ccscan, arm, az_env, out)
    assert res.exit_code == 0, res.stderr
    subs = sorted(arm.estate.subscriptions)
    assert len(subs) == 3
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MANIFEST] + [f"azure-{s}.jsonl" for s in subs])
    manifest = header(out / MANIFEST)
    assert manifest["resource_count"] == 0 and manifest["incomplete"] == []
    listed = manifest["shard_manifest"]["shards"]
    assert [e["file"] for e in listed] == [f"azure-{s}.jsonl" for s in subs]
    total = 0
    for entry, sub in zip(listed, subs, strict=True):
        shard = out / entry["file"]
        h = header(shard)
        assert h["subscriptions"] == [sub] and h["incomplete"] == []
        assert h["shard"]["run"] == manifest["shard_manifest"]["run"]
        lines = shard.read_text(encoding="utf-8").splitlines()[1:]
        assert len(lines) == h["resource_count"] == entry["resources"] > 0
        assert all(json.loads(line)["id"].lower().startswith(f"/subscriptions/{sub}/")
                   for line in lines)
        total += len(lines)
    assert f"wrote {total} resources to 3 shards" in res.stderr
    scanned = ccscan("scan", str(out), "--format", "json")
    files = ccscan("scan", str(AZURE_FIXTURES), "--format", "json")
    assert scanned.exit_code == files.exit_code == 1
    assert comparable(scanned.json()) == comparable(files.json())
    assert TOKEN not in "".join(p.read_text(encoding="utf-8") for p in out.iterdir())


def test_a_denied_subscription_is_a_partial_shard_and_exit_3(arm, az_env, ccscan, tmp_path):
    denied = sorted(arm.estate.subscriptions)[1]
    fault = arm.fail(rf"^/subscriptions/{denied}/providers/", 403, times=None,
                     code="AuthorizationFailed")
    try:
        res = shard_collect(ccscan, arm, az_env, tmp_path)
    finally:
        arm.faults.remove(fault)
    assert res.exit_code == 3
    h = header(tmp_path / f"azure-{denied}.jsonl")
    assert h["resource_count"] == 0 and h["subscriptions"] == [denied]
    assert h["incomplete"] and all(f"subscription {denied} " in i["scope"] for i in h["incomplete"])
    others = [s for s in arm.estate.subscriptions if s != denied]
    assert all(header(tmp_path / f"azure-{s}.jsonl")["incomplete"] == [] for s in others)
    lenient = ccscan("scan", str(tmp_path), "--fail-on", "none", "--format", "json")
    assert lenient.exit_code == 3
    assert len(lenient.json()["incomplete"]) == len(h["incomplete"])


def test_output_that_is_no_directory_is_exit_2_before_any_request(arm, az_env, ccscan, tmp_path):
    file = tmp_path / "estate.jsonl"
    file.write_text("keep me\n")
    before = len(arm.requests)
    res = shard_collect(ccscan, arm, az_env, file)
    assert res.exit_code == 2
    assert "must be a directory" in res.stderr and str(file) in res.stderr
    missing_parent = shard_collect(ccscan, arm, az_env, tmp_path / "no" / "such")
    assert missing_parent.exit_code == 2 and "cannot create shard directory" in missing_parent.stderr
    assert len(arm.requests) == before
    assert file.read_text() == "keep me\n"


def test_unwritable_directory_is_exit_2_before_any_request(arm, az_env, ccscan, tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    # root writes into a 0500 directory; /proc/self is a directory nobody can create files in
    target = Path("/proc/self") if os.geteuid() == 0 else out
    before = len(arm.requests)
    try:
        res = shard_collect(ccscan, arm, az_env, target)
    finally:
        out.chmod(0o700)
    assert res.exit_code == 2 and "cannot write in shard directory" in res.stderr
    assert len(arm.requests) == before


@pytest.fixture
def shards(arm, tmp_path) -> Path:
    from scanner.collect.azure import AzureCollector

    collector = AzureCollector(settings_for(arm), {"microsoft.compute/virtualmachines"},
                               credential=StaticCredential())
    report = write_shards([collector], tmp_path)
    assert len(report.files) == 3 and report.incomplete == []
    return tmp_path


def first_shard(directory: Path) -> Path:
    return directory / header(directory / MANIFEST)["shard_manifest"]["shards"][0]["file"]


def test_a_missing_shard_is_an_error_naming_the_manifest(shards, ccscan):
    gone = first_shard(shards)
    gone.unlink()
    res = ccscan("scan", str(shards))
    assert res.exit_code == 2
    assert f"{MANIFEST}:1" in res.stderr and f"shard {gone.name} listed in this manifest was not scanned" in res.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_edited_shard_is_an_error(shards, ccscan, workers):
    whole = ccscan("scan", str(shards), "--workers", workers, "--fail-on", "none")
    assert whole.exit_code == 0, whole.stderr
    shard = first_shard(shards)
    lines = shard.read_text(encoding="utf-8").splitlines(keepends=True)
    shard.write_text("".join(lines[:-1]), encoding="utf-8")  # one resource fewer
    res = ccscan("scan", str(shards), "--workers", workers)
    assert res.exit_code == 2 and "sha256 differs" in res.stderr and shard.name in res.stderr


def test_a_shard_of_another_run_is_an_error(shards, ccscan, tmp_path_factory):
    shard = first_shard(shards)
    h = header(shard)
    h["shard"]["run"] = "another-run"
    stale = shards / "azure-00000000-0000-0000-0000-0000000000ff.jsonl"
    stale.write_text(json.dumps(h) + "\n", encoding="utf-8")
    res = ccscan("scan", str(shards))
    assert res.exit_code == 2
    assert stale.name in res.stderr and "not listed in the shard manifest" in res.stderr


def test_shards_without_their_manifest_are_refused_unless_named(shards, ccscan):
    (shards / MANIFEST).unlink()
    walked = ccscan("scan", str(shards), "--fail-on", "none")
    assert walked.exit_code == 2 and "found without its manifest" in walked.stderr
    named = ccscan("scan", str(first_shard_name(shards)), "--fail-on", "none", "--format", "json")
    assert named.exit_code == 0, named.stderr
    assert sum(named.json()["summary"].values()) > 0


def first_shard_name(directory: Path) -> Path:
    return min(directory.glob("azure-*.jsonl"))


def test_a_hostile_manifest_is_an_input_error(shards, ccscan):
    manifest = header(shards / MANIFEST)
    manifest["shard_manifest"]["shards"][0]["file"] = "../../etc/passwd"
    (shards / MANIFEST).write_text(json.dumps(manifest) + "\n", encoding="utf-8")
    res = ccscan("scan", str(shards))
    assert res.exit_code == 2
    assert f"{MANIFEST}:1" in res.stderr and "entry #1 must name a .jsonl file" in res.stderr


def test_a_failed_subscription_discovery_is_kept_by_the_manifest(arm, ccscan, tmp_path):
    from scanner.collect.azure import AzureCollector

    fault = arm.fail(r"^/subscriptions$", 403, times=None, code="AuthorizationFailed")
    try:
        collector = AzureCollector(settings_for(arm), credential=StaticCredential())
        report = write_shards([collector], tmp_path)
    finally:
        arm.faults.remove(fault)
    assert report.files == [] and [i["scope"] for i in report.incomplete] == ["azure subscriptions"]
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST]
    res = ccscan("scan", str(tmp_path), "--format", "json")
    assert res.exit_code == 3
    assert [i["scope"] for i in res.json()["incomplete"]] == ["azure subscriptions"]


def test_aws_one_shard_per_account_scans_like_the_live_scan(ccscan, tmp_path):
    pytest.importorskip("moto")
    from moto import mock_aws
    from support.aws_testing import build_estate

    with mock_aws():
        build_estate("us-east-1")
        collected = ccscan("collect", "--aws", "--region", "us-east-1", "--shard-by", "account",
                           "-o", tmp_path)
        live = ccscan("scan", "--aws", "--region", "us-east-1", "--format", "json")
    assert collected.exit_code == 0, collected.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aws-123456789012.jsonl", MANIFEST]
    h = header(tmp_path / "aws-123456789012.jsonl")
    assert h["accounts"] == ["123456789012"] and h["collector"] == "aws"
    offline = ccscan("scan", tmp_path, "--format", "json")
    assert live.exit_code == offline.exit_code == 1
    assert comparable(offline.json()) == comparable(live.json())


class ListCollector:
    """A Collector over given resources (the real interface; the clouds' own are tested above)."""

    def __init__(self, name: str, resources: list, incomplete: list, keys: list[str]) -> None:
        self.name, self.resources, self.keys = name, resources, keys
        self.incomplete = []
        self._later = incomplete

    def collect(self):
        yield from self.resources
        self.incomplete.extend(self._later)  # known only once collection is over

    def shard_keys(self) -> list[str]:
        return self.keys

    def snapshot_header(self) -> dict:
        return {"source": f"{self.name}:test", "accounts": list(self.keys), "regions": ["r1"]}


def test_scopes_go_to_the_shard_they_name_and_the_rest_to_the_manifest(tmp_path):
    from scanner.collect.base import IncompleteScope
    from scanner.inventory.resource import Resource

    def res(account: str, n: int) -> Resource:
        arn = f"arn:aws:ec2:r1:{account}:instance/i-{n}"
        return Resource({"id": arn, "type": "AWS::EC2::Instance", "name": f"i-{n}",
                         "account": account, "location": "r1", "properties": {}},
                        source=f"aws:{account}/r1")

    refused = IncompleteScope("aws account 333333333333 (role arn:aws:iam::333333333333:role/x)",
                              "AccessDenied on AssumeRole")
    denied = IncompleteScope("aws 111111111111/r1 AWS::KMS::Key", "AccessDeniedException")
    nowhere = IncompleteScope("aws regions", "no region enabled")
    both = IncompleteScope("aws 111111111111 and 222222222222", "names two accounts")
    collector = ListCollector(
        "aws",
        # out of order: a shard's resources need not arrive together
        [res("222222222222", 1), res("111111111111", 2), res("222222222222", 3)],
        [refused, denied, nowhere, both],
        ["111111111111", "222222222222", "333333333333"],
    )
    report = write_shards([collector], tmp_path)
    assert [p.name for p in report.files] == [
        "aws-111111111111.jsonl", "aws-222222222222.jsonl", "aws-333333333333.jsonl"]
    lines = (tmp_path / "aws-222222222222.jsonl").read_text().splitlines()
    assert [json.loads(line)["name"] for line in lines[1:]] == ["i-1", "i-3"]
    assert header(tmp_path / "aws-111111111111.jsonl")["incomplete"] == [
        {"scope": denied.scope, "reason": denied.reason}]
    assert header(tmp_path / "aws-222222222222.jsonl")["incomplete"] == []
    third = header(tmp_path / "aws-333333333333.jsonl")
    assert third["resource_count"] == 0 and third["accounts"] == ["333333333333"]
    assert third["incomplete"] == [{"scope": refused.scope, "reason": refused.reason}]
    assert [i["scope"] for i in header(tmp_path / MANIFEST)["incomplete"]] == [
        nowhere.scope, both.scope]
    assert len(report.incomplete) == 4


def test_aws_roles_one_shard_per_account_and_a_refused_role_is_a_partial_shard(tmp_path):
    pytest.importorskip("moto")
    from moto import mock_aws
    from support.aws_testing import error_reply, hooked_factory

    from scanner.collect.aws import AwsCollector, AwsOptions

    def refuse(params, **kw):
        if "222222222222" in params["body"]["RoleArn"]:
            return error_reply("AccessDenied", "not authorized to perform sts:AssumeRole")
        return None

    roles = ("arn:aws:iam::111111111111:role/audit", "arn:aws:iam::222222222222:role/audit",
             "arn:aws:iam::333333333333:role/audit")
    with mock_aws():
        collector = AwsCollector(
            AwsOptions(regions=("us-east-1",), role_arns=roles, types=frozenset({"aws::ec2::vpc"})),
            session_factory=hooked_factory(("before-call.sts.AssumeRole", refuse)))
        report = write_shards([collector], tmp_path)
    assert [p.name for p in report.files] == [
        "aws-111111111111.jsonl", "aws-222222222222.jsonl", "aws-333333333333.jsonl"]
    for account in ("111111111111", "333333333333"):
        h = header(tmp_path / f"aws-{account}.jsonl")
        assert h["accounts"] == [account] and h["incomplete"] == [] and h["resource_count"] > 0
        docs = [json.loads(line) for line in (tmp_path / f"aws-{account}.jsonl").read_text().splitlines()[1:]]
        assert {d["account"] for d in docs} == {account}
    refused = header(tmp_path / "aws-222222222222.jsonl")
    assert refused["resource_count"] == 0
    [scope] = refused["incomplete"]
    assert scope["scope"].startswith("aws account 222222222222") and "AccessDenied" in scope["reason"]
    assert header(tmp_path / MANIFEST)["incomplete"] == []
