"""
Scan results to ship: one from a real scan of the fixtures, and generated ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ship_helpers import run


@pytest.fixture(scope="session")
def scan_json(tmp_path_factory) -> Path:
    """`ccscan scan fixtures/ --format json` of the shipped fixtures (every cloud)."""
    out = tmp_path_factory.mktemp("scan") / "result.json"
    res = run("scan", "fixtures", "--format", "json", "-o", str(out), "--scan-id", "scan-fixture")
    assert res.exit_code in (0, 1, 3), res.output
    return out


@pytest.fixture(scope="session")
def scan_ocsf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scan") / "result.ocsf.jsonl"
    res = run("scan", "fixtures", "--format", "ocsf", "-o", str(out), "--scan-id", "scan-fixture")
    assert res.exit_code in (0, 1, 3), res.output
    return out
