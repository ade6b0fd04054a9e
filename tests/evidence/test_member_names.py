"""
Issue 10 part 6: a bundle ccscan writes always passes `ccscan bundle verify`. Policy files
whose names the verifier would refuse are refused before the scan (exit 2, no bundle).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
VMS = ROOT / "fixtures" / "azure" / "prod-ai" / "virtual-machines.json"
POLICY_A = ROOT / "policies" / "azure" / "confidential-compute.yaml"
POLICY_B = ROOT / "policies" / "azure" / "model-transit.yaml"

# Anything Linux allows in a file name: no "/" and no NUL; the 255-byte limit is checked below.
_names = st.text(
    st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=80
).filter(lambda n: n not in (".", "..") and len(n.encode()) <= 240)


@pytest.fixture(scope="module")
def keypair(tmp_path_factory) -> Path:
    from scanner.evidence.keys import keygen

    prefix = tmp_path_factory.mktemp("k") / "ci"
    keygen(prefix)
    return prefix


def _scan(ccscan, keypair: Path, work: Path, files: list[Path]):
    out = work / "b.tar.gz"
    args = ["scan", VMS, "--bundle", out, "--sign-key", f"{keypair}.key", "--fail-on", "none"]
    for f in files:
        args += ["--policies", f]
    return ccscan(*args), out


def _check(ccscan, keypair: Path, work: Path, files: list[Path]) -> str:
    res, out = _scan(ccscan, keypair, work, files)
    if res.exit_code == 2:
        assert res.stderr.startswith("ccscan: error: "), res.stderr
        assert "Traceback" not in res.stderr
        assert not out.exists(), "a refused bundle must not be written"
        return "refused"
    assert res.exit_code == 0, res.stderr
    ver = ccscan("bundle", "verify", out, "--key", f"{keypair}.pub")
    assert ver.exit_code == 0, (files, ver.stderr)
    return "verified"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=_names, b=st.one_of(_names, st.just(None)), swap=st.booleans())
def test_random_policy_file_names_refuse_up_front_or_verify(ccscan, keypair, a, b, swap):
    work = Path(tempfile.mkdtemp(prefix="ccscan-names-"))
    try:
        pol = work / "pol"
        pol.mkdir()
        if swap:
            b = a.swapcase()  # often a case-only twin
        files = [pol / (a + ".yaml")]
        if b is not None and (b + ".yaml") != files[0].name:
            files.append(pol / (b + ".yaml"))
        shutil.copy(POLICY_A, files[0])
        if len(files) > 1:
            shutil.copy(POLICY_B, files[1])
        _check(ccscan, keypair, work, files)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("name, reason", [
    ("new\nline.yaml", "control characters"),
    ("back\\slash.yaml", "backslash"),
    ("esc\x1b[31m.yaml", "control characters"),
    ("csi\x9b31m.yaml", "control characters"),
])
def test_unsafe_names_are_refused_before_the_scan(ccscan, keypair, tmp_path, name, reason):
    f = tmp_path / name
    shutil.copy(POLICY_A, f)
    res, out = _scan(ccscan, keypair, tmp_path, [f])
    assert res.exit_code == 2
    assert reason in res.stderr and "rename the file" in res.stderr
    assert not out.exists()


def test_case_only_twins_are_refused(ccscan, keypair, tmp_path):
    a, b = tmp_path / "Policy.yaml", tmp_path / "policy.yaml"
    shutil.copy(POLICY_A, a)
    shutil.copy(POLICY_B, b)
    res, out = _scan(ccscan, keypair, tmp_path, [a, b])
    assert res.exit_code == 2
    assert "differ only by case" in res.stderr
    assert not out.exists()


def test_ordinary_unicode_and_long_names_verify(ccscan, keypair, tmp_path):
    a, b = tmp_path / ("ü-política " + "x" * 150 + ".yaml"), tmp_path / "ß.yaml"
    shutil.copy(POLICY_A, a)
    shutil.copy(POLICY_B, b)
    assert _check(ccscan, keypair, tmp_path, [a, b]) == "verified"
