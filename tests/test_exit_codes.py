"""
Every way a command can end maps to one documented exit code: a bug is 4 (never 1, which
pipelines read as "findings"), a closed pipe is a quiet 141, a full disk is 2.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, ROOT

CCSCAN = Path(sys.executable).with_name("ccscan")
PLANTED = "sk-PLANTED-in-exception-text-0123"


def boom(*args, **kwargs):
    raise RuntimeError(f"unexpected: {PLANTED}")


def test_a_bug_is_exit_4_with_one_line_and_no_traceback(ccscan, monkeypatch):
    monkeypatch.setattr("scanner.scan.run_scan", boom)
    res = ccscan("scan", FIXTURES)
    assert res.exit_code == 4
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith("ccscan: internal error (RuntimeError at scanner/cli.py:")
    assert "please report" in res.stderr and "-vv" in res.stderr
    assert PLANTED not in res.stderr  # an exception's text may quote an input value


def test_minus_vv_adds_the_traceback_keeps_exit_4(ccscan, monkeypatch):
    monkeypatch.setattr("scanner.scan.run_scan", boom)
    res = ccscan("-vv", "scan", FIXTURES)
    assert res.exit_code == 4
    assert "Traceback (most recent call last)" in res.stderr and "RuntimeError" in res.stderr
    assert res.stderr.rstrip().splitlines()[-1].startswith("ccscan: internal error")


def test_a_bug_in_the_group_callback_is_exit_4(ccscan, monkeypatch):
    monkeypatch.setattr("scanner.cli._setup_logging", boom)
    res = ccscan("policies", "list")
    assert res.exit_code == 4 and "internal error" in res.stderr


@pytest.mark.parametrize("code", [0, 1, None, "text"])
def test_a_library_calling_sys_exit_mid_command_is_a_bug(ccscan, monkeypatch, code):
    def leave(*a, **k):
        sys.exit(code)

    monkeypatch.setattr("scanner.scan.run_scan", leave)
    res = ccscan("scan", FIXTURES)
    assert res.exit_code == 4  # even 0: stopping before the scan ends would be a false green
    assert "internal error (SystemExit" in res.stderr


def test_ccscan_errors_keep_their_code_with_minus_vv(ccscan):
    res = ccscan("-vv", "scan", FIXTURES, "--framework", "nist")
    assert res.exit_code == 2 and "unknown framework 'nist'" in res.stderr
    assert "Traceback" in res.stderr


def test_usage_errors_stay_2_and_interrupts_130(ccscan, monkeypatch):
    assert ccscan("scan", "--no-such-option").exit_code == 2
    assert ccscan("no-such-command").exit_code == 2

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("scanner.scan.run_scan", interrupted)
    res = ccscan("scan", FIXTURES)
    assert res.exit_code == 130 and res.stderr == "ccscan: interrupted\n"


def test_a_click_error_other_than_usage_is_2_not_clicks_1(ccscan, monkeypatch):
    import click

    def fail(*a, **k):
        raise click.FileError("/data/x.json", "cannot open")

    monkeypatch.setattr("scanner.scan.run_scan", fail)
    res = ccscan("scan", FIXTURES)
    assert res.exit_code == 2 and "/data/x.json" in res.stderr


@pytest.mark.parametrize("exc", [
    PermissionError(errno.EACCES, "Permission denied", "/data/inv.json"),
    OSError(errno.ENOSPC, "No space left on device"),
    OSError(errno.EROFS, "Read-only file system"),
])
def test_environment_os_errors_are_exit_2_not_a_bug(ccscan, monkeypatch, exc):
    def fail(*a, **k):
        raise exc

    monkeypatch.setattr("scanner.scan.run_scan", fail)
    res = ccscan("scan", FIXTURES)
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert exc.strerror in res.stderr
    if exc.filename:
        assert exc.filename in res.stderr


def test_help_documents_every_exit_code(ccscan):
    out = ccscan("--help").stdout
    for line in ("1 failing findings", "2 usage", "3 scan incomplete", "4 internal error", "130"):
        assert line in out


# --- real processes: the console script and `python -m scanner` -------------------------

@pytest.fixture
def crashing_env(tmp_path):
    """An environment whose interpreter starts with run_scan replaced by a crash."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(f"""
        import scanner.scan
        def boom(*a, **k):
            raise ValueError("{PLANTED}")
        scanner.scan.run_scan = boom
    """))
    return {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}"}


@pytest.mark.parametrize("argv", [[str(CCSCAN)], [sys.executable, "-m", "scanner"]])
def test_a_bug_in_a_real_process_is_exit_4(argv, crashing_env):
    proc = subprocess.run(check=False, args=[*argv, "scan", str(FIXTURES)], env=crashing_env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr and PLANTED not in proc.stderr
    assert proc.stderr.startswith("ccscan: internal error (ValueError")


@pytest.mark.parametrize("args", [["scan", str(FIXTURES), "--format", "json"], ["--help"],
                                  ["policies", "list"]])
@pytest.mark.parametrize("prog", [[str(CCSCAN)], [sys.executable, "-m", "scanner"]])
def test_a_closed_pipe_is_a_quiet_exit_141(prog, args):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before ccscan writes a byte, like `| head -0`
    proc = subprocess.run(check=False, args=[*prog, *args], stdout=write, stderr=subprocess.PIPE, cwd=ROOT,
                          text=True, timeout=120)
    os.close(write)
    assert proc.returncode == 141
    assert proc.stderr == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_disk_is_exit_2():
    with open("/dev/full", "w") as full:
        proc = subprocess.run(check=False, args=[str(CCSCAN), "scan", str(FIXTURES)], stdout=full,
                              stderr=subprocess.PIPE, cwd=ROOT, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "ccscan: error: cannot write standard output: No space left on device\n"


def test_end_of_input_at_a_prompt_is_130_not_1(ccscan, tmp_path):
    res = ccscan("keygen", "--out", tmp_path / "k", "--passphrase-prompt", input="")
    assert res.exit_code == 130 and res.stderr.endswith("ccscan: interrupted\n")
    assert not (tmp_path / "k.key").exists()


def _exception_classes() -> list[type[Exception]]:
    import builtins

    found = []
    for cls in vars(builtins).values():
        if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, Warning):
            try:
                cls("x")
            except TypeError:  # needs other arguments (UnicodeDecodeError, ...)
                continue
            found.append(cls)
    return found


@given(cls=st.sampled_from(_exception_classes()), text=st.text(max_size=40))
@settings(max_examples=100, deadline=None)
def test_no_exception_type_exits_1_or_prints_a_traceback(cls, text):
    from click.testing import CliRunner

    from scanner.cli import main

    def fail(*a, **k):
        raise cls(text)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("scanner.scan.load_policies", fail)  # the first call of `scan`: fast
        res = CliRunner().invoke(main, ["scan", str(FIXTURES)], catch_exceptions=False)
    if cls is BrokenPipeError:  # stdout's reader left: quiet, by design
        assert res.exit_code == 141 and res.stderr == ""
        return
    # an OSError with a file name or a disk errno is the environment's doing (2); the rest: bugs
    assert res.exit_code in (2, 4)
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert res.stdout == ""
