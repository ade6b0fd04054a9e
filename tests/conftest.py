"""
Shared test setup: keep every credential chain away from the network, and a CLI runner.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
POLICIES = ROOT / "policies"

# Set before any SDK is imported: no test may reach the instance metadata address or a cloud.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AZURE_TOKEN_CREDENTIALS": "AzureCliCredential",
    }
)
os.environ.pop("AWS_PROFILE", None)
# Tests validate every policy in full and write nothing under ~/.cache (tests/policy/
# test_schemacache.py turns the cache on in a temporary directory).
os.environ["CCSCAN_CACHE_DIR"] = "off"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def ccscan():
    """
    Run the ccscan CLI in-process: `ccscan("scan", "fixtures/")` -> CliResult.
    """
    from click.testing import CliRunner

    from scanner.cli import main

    def run(*args: str, input: str | None = None, env: dict | None = None) -> CliResult:
        runner = CliRunner()
        res = runner.invoke(main, [str(a) for a in args], input=input, env=env, catch_exceptions=False)
        return CliResult(res.exit_code, res.stdout, res.stderr)

    return run
