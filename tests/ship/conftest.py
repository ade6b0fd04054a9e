"""
Scan results to ship: a real scan of the shipped fixtures, written as JSON and OCSF at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ship_helpers import run


@pytest.fixture(scope="session")
def scan_files(tmp_path_factory) -> tuple[Path, Path]:
    """One `ccscan scan fixtures/` written as `--format json` and `--format ocsf`."""
    d = tmp_path_factory.mktemp("scan")
    res = run("scan", "fixtures", "--format", "json", "-o", str(d / "result.json"),
              "--format", "ocsf", "-o", str(d / "result.ocsf.jsonl"), "--scan-id", "scan-fixture")
    assert res.exit_code in (0, 1, 3), res.output
    return d / "result.json", d / "result.ocsf.jsonl"


@pytest.fixture(scope="session")
def scan_json(scan_files) -> Path:
    return scan_files[0]


@pytest.fixture(scope="session")
def scan_ocsf(scan_files) -> Path:
    return scan_files[1]
