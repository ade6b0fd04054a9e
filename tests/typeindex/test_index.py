"""
The shipped type index: what the generator makes from its pinned inputs, covering every type
ccscan's packs and collectors use; lookups are total (never raise) and case rules hold.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.typeindex import INDEX_FILE, load_index

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["index"]
    return dict(re.fullmatch(r"([\w.-]+)==([\w.]+)", spec).groups() for spec in extra)  # type: ignore[misc]


def test_index_header_records_the_pinned_generator_inputs():
    doc = json.loads(gzip.decompress(INDEX_FILE.read_bytes()))
    assert doc["format"] == 1
    assert doc["inputs"] == _pins()


def test_shipped_index_is_what_the_generator_makes_from_the_pinned_inputs():
    pins = _pins()
    installed = {}
    for dist in pins:
        try:
            installed[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            installed[dist] = None
    if installed != pins:
        diff = {d: (installed[d], v) for d, v in pins.items() if installed[d] != v}
        pytest.skip(f"generator inputs not installed at their pins (pip install -e '.[index]'): {diff}")
    from scanner.typeindex.generate import build, dump

    assert dump(build()) == INDEX_FILE.read_bytes(), "run: python -m scanner.typeindex.generate"


def test_every_type_the_collectors_and_builtin_packs_use_is_indexed():
    from scanner.collect.aws_resources import FETCHERS
    from scanner.collect.azure_types import SPECS
    from scanner.policy.catalog import load_catalog
    from scanner.resources import builtin_policies

    ix = load_index()
    wanted = set(FETCHERS) | {s.type for s in SPECS}
    wanted |= {t for p in load_catalog([builtin_policies()]).policies for t in p.type_names}
    assert wanted  # the loop below must check something
    missing = sorted(t for t in wanted if ix.canonical_type(t) is None)
    assert missing == []


def test_azure_names_compare_without_case_and_aws_paths_flag_case_only_matches():
    ix = load_index()
    assert ix.canonical_type("microsoft.storage/STORAGEACCOUNTS") == "Microsoft.Storage/storageAccounts"
    r = ix.check("Microsoft.Storage/storageAccounts", ["Properties", "ALLOWSHAREDKEYACCESS"])
    assert r.ok and r.kind == "b" and r.case_only is None
    r = ix.check("AWS::EC2::Instance", ["properties", "metadataOptions", "HttpTokens"])
    assert r.ok and r.case_only == "properties.MetadataOptions.HttpTokens"
    assert ix.check("AWS::EC2::Instance", ["properties", "MetadataOptions", "HttpTokens"]).case_only is None


def test_derived_keys_and_open_maps():
    ix = load_index()
    assert ix.check("AWS::EC2::Volume", ["properties", "KmsKeyMetadata", "KeyManager"]).kind == "s"
    assert ix.check("AWS::S3::Bucket", ["properties", "DeniesInsecureTransport"]).kind == "b"
    assert ix.check("AWS::KMS::Key", ["properties", "KeyRotationEnabled"]).kind == "b"
    assert ix.check("AWS::EC2::VPC", ["properties", "VpcEndpoints", "[*]", "VpcEndpointType"]).ok
    r = ix.check("Microsoft.Web/sites", ["tags", "cost.center"])
    assert r.ok and r.open
    r = ix.check("AWS::S3::Bucket", ["properties", "BucketPolicy", "Statement", "[*]", "Effect"])
    assert r.ok and r.open  # a bucket policy is free-form JSON


def test_impossible_paths_explain_themselves():
    ix = load_index()
    r = ix.check("Microsoft.Storage/storageAccounts", ["properties", "allowSharedKeyAcess"])
    assert not r.ok and r.suggestion == "properties.allowSharedKeyAccess"
    r = ix.check("Microsoft.Storage/storageAccounts", ["allowSharedKeyAccess"])
    assert not r.ok and r.suggestion == "properties.allowSharedKeyAccess"
    r = ix.check("Microsoft.Storage/storageAccounts", ["properties", "supportsHttpsTrafficOnly", "x"])
    assert not r.ok and "is a boolean" in r.problem
    r = ix.check("Microsoft.Storage/storageAccounts", ["properties", "networkAcls", "ipRules", "value"])
    assert not r.ok and "ipRules[*].value" in r.problem
    r = ix.check("Microsoft.Storage/storageAccounts", ["properties", "minimumTlsVersion", "[*]"])
    assert not r.ok and "not an array" in r.problem


_step = st.one_of(st.text(max_size=12), st.just("[*]"), st.integers(-3, 5))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(load_index().type_names()), st.lists(_step, max_size=8))
def test_check_is_total(rtype, steps):
    r = load_index().check(rtype, steps)
    assert r.ok or r.problem


def test_help_and_scan_never_load_the_index(tmp_path):
    code = ("import sys\nfrom click.testing import CliRunner\nfrom scanner.cli import main\n"
            "CliRunner().invoke(main, ['--help'])\n"
            "r = CliRunner().invoke(main, ['scan', 'fixtures/azure', '--format', 'json', '-o', sys.argv[1]])\n"
            "print(r.exit_code, 'scanner.typeindex' in sys.modules, 'jsonschema' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.json")], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0] in ("0", "1") and out[1] == "False"


@pytest.mark.parametrize("content", [b"", b"\x1f\x8b\x08garbage", gzip.compress(b"[1, 2]"),
                                     gzip.compress(b'{"format": 2}'), gzip.compress(b"{" * 10)])
def test_a_damaged_index_is_an_internal_error_not_a_verdict(ccscan, tmp_path, monkeypatch, content):
    import scanner.typeindex as ti

    bad = tmp_path / "index.json.gz"
    bad.write_bytes(content)
    monkeypatch.setattr(ti, "INDEX_FILE", bad)
    ti.load_index.cache_clear()
    try:
        res = ccscan("lint", "policies")
    finally:
        ti.load_index.cache_clear()
    assert res.exit_code == 4
    assert "the type index" in res.stderr and "is unreadable" in res.stderr
    assert "Traceback" not in res.stderr


def test_every_field_of_the_fixture_inventories_is_a_path_of_its_type():
    """Real inventories are the ground truth: the index must never call their fields impossible."""
    from scanner.inventory.files import read_inventories
    from scanner.policy.typecheck import _leaves

    ix = load_index()
    checked, problems = 0, set()
    for inv in read_inventories([ROOT / "fixtures"], "auto"):
        for r in inv:
            rtype = ix.canonical_type(str(r.doc.get("type", "")))
            assert rtype is not None, r.doc.get("type")
            for steps in _leaves(r.doc, []):
                checked += 1
                result = ix.check(rtype, steps)
                if not result.ok:
                    problems.add((rtype, result.problem))
    assert checked > 1000
    assert problems == set()
