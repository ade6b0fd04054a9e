"""
A failed Azure sign-in is one stderr line (not azure-identity's block plus ours): what was
tried and the one thing to do.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("azure.identity")

from tests.conftest import ROOT


@pytest.mark.parametrize("chain, fix", [
    ("AzureCliCredential", "To fix: run `az login`"),
    ("dev", "To fix: run `az login` (or, for a service principal"),
])
def test_no_credential_is_one_line(tmp_path, chain, fix):
    env = {"HOME": str(tmp_path), "PATH": str(tmp_path), "AZURE_TOKEN_CREDENTIALS": chain}
    res = subprocess.run([sys.executable, "-m", "scanner", "scan", "--azure", "--arm-endpoint",
                          "https://127.0.0.1:9"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("ccscan: error: Azure sign-in failed; credentials tried")
    assert "AzureCliCredential (Azure CLI not found on path)" in lines[0]
    assert fix in lines[0] and "Traceback" not in res.stderr
