"""
The pre-commit hooks, end to end with the real `pre-commit`: a broken policy blocks.

pre-commit builds the hook's virtualenv from the ccscan repository (pip install from PyPI),
so this test needs PyPI and takes about a minute; it runs in CI (CI=true) or with
CCSCAN_TEST_PRECOMMIT=1. The ccscan source is copied into
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

# Builds hook virtualenvs from PyPI (about a minute): always in CI, locally on request.
pytestmark = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("CCSCAN_TEST_PRECOMMIT")),
    reason="pre-commit end-to-end test: set CCSCAN_TEST_PRECOMMIT=1 (CI runs it)",
)

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
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ccscan_repo, check=True,
                          capture_output=True, text=True).stdout.strip()
    policies = base / "policy-repo"
    (policies / "policies").mkdir(parents=True)
    (policies / "policies" / "good.yaml").write_text(GOOD)
    (policies / "README.md").write_text("our policies\n")
    # the snippet the README shows, with this checkout standing in for the GitHub URL
    (policies / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ccscan_repo}\n    rev: {head}\n"
        "    hooks:\n      - id: ccscan-lint\n      - id: ccscan-test\n"
    )
    init_repo(policies)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env["PRE_COMMIT_HOME"] = str(base / "cache")  # `run` and the commit share one hook venv
    env["NO_COLOR"] = "1"
    return ccscan_repo, policies, env


def pre_commit(hook_repos, *args: str) -> subprocess.CompletedProcess[str]:
    _, policies, env = hook_repos
    return subprocess.run([*PRE_COMMIT, *args], cwd=policies, env=env, capture_output=True,
                          text=True, timeout=900, check=False)


def test_try_repo_lint_blocks_the_broken_policy_with_file_and_line(hook_repos):
    ccscan_repo, policies, _ = hook_repos
    (policies / "policies" / "broken.yaml").write_text(BROKEN)
    git(policies, "add", "policies/broken.yaml")
    # try-repo builds its own hook venv from the repository, as a first-time user's would
    res = pre_commit(hook_repos, "try-repo", str(ccscan_repo), "ccscan-lint", "--color", "never",
                     "--files", "policies/good.yaml", "policies/broken.yaml")
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "ccscan lint" in out and "Failed" in out
    assert f"policies/broken.yaml:{BROKEN_LINE}" in out, out
    assert "policies/good.yaml:" not in out


def test_run_hooks_from_config(hook_repos):
    _, policies, _ = hook_repos
    # The hooks lint the whole catalog a changed file belongs to: the broken policy an earlier
    # test left in policies/ would fail this run too.
    (policies / "policies" / "broken.yaml").unlink(missing_ok=True)
    good = pre_commit(hook_repos, "run", "--color", "never", "--files", "policies/good.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count("Passed") == 2  # lint and test

    (policies / "policies" / "wrong.yaml").write_text(WRONG_TEST)
    wrong = pre_commit(hook_repos, "run", "ccscan-test", "--color", "never",
                       "--files", "policies/wrong.yaml")
    out = wrong.stdout + wrong.stderr
    assert wrong.returncode == 1, out
    assert "ACME-AZ-VM-003" in out and "1 failed" in out

    # a changed file outside policies/ does not run the hooks
    other = pre_commit(hook_repos, "run", "--color", "never", "--files", "README.md")
    assert other.returncode == 0 and other.stdout.count("no files to check") == 2


def test_commit_of_a_broken_policy_is_blocked(hook_repos):
    """A real commit through `pre-commit install`, the way a policy author meets it."""
    _, policies, env = hook_repos
    (policies / "policies" / "broken.yaml").write_text(BROKEN)
    git(policies, "add", "policies/broken.yaml")
    pre_commit(hook_repos, "install").check_returncode()
    commit = subprocess.run(["git", "commit", "-m", "add broken policy"], cwd=policies, env=env,
                            capture_output=True, text=True, timeout=900, check=False)
    out = commit.stdout + commit.stderr
    assert commit.returncode != 0, out
    assert f"policies/broken.yaml:{BROKEN_LINE}" in out
    log = subprocess.run(["git", "log", "--oneline"], cwd=policies, capture_output=True,
                         text=True, check=True).stdout
    assert "add broken policy" not in log
