"""
`-q`, `-v` and `--no-color` work before or after the subcommand, for every subcommand.
"""

from __future__ import annotations

import click
import pytest

from scanner.cli import main
from tests.conftest import FIXTURES


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out += _leaves(cmd, (*path, name))
        else:
            out.append((*path, name))
    return out


LEAVES = _leaves(main)


def test_the_tree_is_walked():
    assert ("scan",) in LEAVES and ("bundle", "verify") in LEAVES and ("policies", "list") in LEAVES
    assert len(LEAVES) >= 12


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_subcommand_takes_the_global_options_after_its_name(ccscan, path):
    res = ccscan(*path, "-q", "-v", "--no-color", "--help")
    assert res.exit_code == 0, res.stderr
    assert "-q, --quiet" in res.stdout and "--no-color" in res.stdout


def test_quiet_after_the_subcommand_silences_stderr(ccscan):
    loud = ccscan("-v", "scan", FIXTURES, "--format", "json")
    assert "ccscan: INFO:" in loud.stderr
    late = ccscan("scan", FIXTURES, "--format", "json", "-v")
    assert "ccscan: INFO:" in late.stderr and late.exit_code == 1
    quiet = ccscan("scan", FIXTURES, "--format", "json", "-q")
    assert quiet.stderr == "" and quiet.exit_code == 1


def test_quiet_after_lint_drops_its_summary(ccscan):
    assert "ccscan lint:" in ccscan("lint", "policies").stderr
    assert "ccscan lint:" not in ccscan("lint", "policies", "-q").stderr
    assert "ccscan lint:" not in ccscan("-q", "lint", "policies").stderr


def test_verbose_counts_add_up_across_positions(ccscan, tmp_path, monkeypatch):
    import logging

    monkeypatch.delenv("CCSCAN_LOGLEVEL", raising=False)
    # -v before and -v after: DEBUG, as -vv would be
    res = ccscan("-v", "scan", FIXTURES, "--format", "json", "-o", tmp_path / "r.json", "-v")
    assert res.exit_code == 1
    assert logging.getLogger("scanner").level == logging.DEBUG
    ccscan("scan", FIXTURES, "--format", "json", "-o", tmp_path / "r.json", "-v")
    assert logging.getLogger("scanner").level == logging.INFO
