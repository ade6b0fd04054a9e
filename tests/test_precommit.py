"""
The pre-commit hooks, end to end with the real `pre-commit`: a broken policy blocks.

pre-commit builds the hook's virtualenv from the ccscan repository (pip install from PyPI),
so this test needs PyPI and takes a while; it runs in CI. The ccscan source is copied into
a fresh committed git repository first, because `pre-commit try-repo` only sees committed
(or tracked) files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

GOOD = """\
id: ACME-AZ-VM-001
title: Virtual machines run as Azure Confidential VMs
severity: high
resource: Microsoft.Compute/virtualMachines
assert: {field: properties.securityProfile.securityType, equals: ConfidentialVM}
remediation: Redeploy as a confidential VM.
tests:
  - name: confidential
    expect: pass
    resource: {properties: {securityProfile: {securityType: ConfidentialVM}}}
  - name: trusted launch
    expect: fail
    resource: {properties: {securityProfile: {securityType: TrustedLaunch}}}
"""

BROKEN = GOOD.replace("ACME-AZ-VM-001", "ACME-AZ-VM-002").replace(
    "assert: {field: properties.securityProfile.securityType, equals: ConfidentialVM}",
    "assert: {field: properties.securityProfile.securityType, equal: ConfidentialVM}",
)
BROKEN_LINE = 5

# a policy whose embedded test expects the wrong outcome: lint passes, `ccscan test` fails
WRONG_TEST = GOOD.replace("ACME-AZ-VM-001", "ACME-AZ-VM-003").replace(
    "    expect: fail", "    expect: pass")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def committed_copy_of_ccscan(dest: Path) -> Path:
    """A git repository holding the installable ccscan source and its hooks file."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("scanner", "policies", "schemas"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore, symlinks=True)
    init_repo(dest)
    return dest


def init_repo(path: Path) -> None:
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "test@example.com")
    git(path, "config", "user.name", "test")
    git(path, "config", "commit.gpgsign", "false")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "init", "--no-verify")


@pytest.fixture(scope="module")
def hook_repos(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("precommit")
    ccscan_repo = base / "ccscan"
    ccscan_repo.mkdir()
    committed_copy_of_ccscan(ccscan_repo)
    policies = base / "policy-repo"
    (policies / "policies").mkdir(parents=True)
    (policies / "policies" / "good.yaml").write_text(GOOD)
    (policies / "README.md").write_text("our policies\n")
    init_repo(policies)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env["PRE_COMMIT_HOME"] = str(base / "cache")  # the hook venv is built once per module
    env["NO_COLOR"] = "1"
    return ccscan_repo, policies, env


def try_repo(hook_repos, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    ccscan_repo, policies, env = hook_repos
    return subprocess.run(
        [*PRE_COMMIT, "try-repo", str(ccscan_repo), hook, "--color", "never",
         "--files", *files],
        cwd=policies, env=env, capture_output=True, text=True, timeout=900,
    )


def test_lint_hook_blocks_the_broken_policy_with_file_and_line(hook_repos):
    _, policies, _ = hook_repos
    (policies / "policies" / "broken.yaml").write_text(BROKEN)
    git(policies, "add", "policies/broken.yaml")

    bad = try_repo(hook_repos, "ccscan-lint", "policies/good.yaml", "policies/broken.yaml")
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "ccscan lint" in out and "Failed" in out
    assert f"policies/broken.yaml:{BROKEN_LINE}" in out, out

    good = try_repo(hook_repos, "ccscan-lint", "policies/good.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_test_hook_runs_the_embedded_tests(hook_repos):
    _, policies, _ = hook_repos
    (policies / "policies" / "wrong.yaml").write_text(WRONG_TEST)
    res = try_repo(hook_repos, "ccscan-test", "policies/wrong.yaml")
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "ACME-AZ-VM-003" in out and "1 failed" in out
    ok = try_repo(hook_repos, "ccscan-test", "policies/good.yaml")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # a changed file outside policies/ does not run the hook
    skipped = try_repo(hook_repos, "ccscan-test", "README.md")
    assert skipped.returncode == 0 and "no files to check" in skipped.stdout


def test_commit_with_the_hook_is_blocked(hook_repos):
    """A real commit through `pre-commit install`, the way a policy author meets it."""
    ccscan_repo, policies, env = hook_repos
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ccscan_repo, check=True,
                          capture_output=True, text=True).stdout.strip()
    (policies / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ccscan_repo}\n    rev: {head}\n"
        "    hooks:\n      - id: ccscan-lint\n      - id: ccscan-test\n"
    )
    (policies / "policies" / "broken.yaml").write_text(BROKEN)
    git(policies, "add", "-A")
    subprocess.run([*PRE_COMMIT, "install"], cwd=policies, env=env, check=True,
                   capture_output=True)
    commit = subprocess.run(["git", "commit", "-m", "add broken policy"], cwd=policies, env=env,
                            capture_output=True, text=True, timeout=900)
    out = commit.stdout + commit.stderr
    assert commit.returncode != 0, out
    assert f"policies/broken.yaml:{BROKEN_LINE}" in out
    log = subprocess.run(["git", "log", "--oneline"], cwd=policies, capture_output=True,
                         text=True).stdout
    assert "add broken policy" not in log
