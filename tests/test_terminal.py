"""
Text from inventories, policies and bundles cannot drive the terminal: scanner.terminal.escape
and every command whose output goes through it.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from scanner.evidence.tarball import Member, write_tarball
from scanner.terminal import EscapingFormatter, escape

C0_C1 = re.compile("[\x00-\x1f\x7f-\x9f]")
HOSTILE = "vm\x1b[2J\x1b]0;pwned\x07\rSummary: 99 pass, 0 fail\nSummary: 0 fail\u202e\x9b31m"


def test_escape_shows_each_control_as_a_visible_escape():
    assert escape("a\x1b[31mb") == "a\\x1b[31mb"
    assert escape("line1\nline2\r\t") == "line1\\nline2\\r\\t"
    assert escape("bell\x07 del\x7f csi\x9b") == "bell\\x07 del\\x7f csi\\x9b"
    assert escape("abc\u202edef") == "abc\\u202edef"  # right-to-left override
    assert escape("lone \udc9b surrogate") == "lone \\udc9b surrogate"
    assert escape("plain ascii, ünïcödé, 日本, emoji 🙂") == "plain ascii, ünïcödé, 日本, emoji 🙂"
    assert escape(42) == "42"


def test_keep_newlines_keeps_only_the_newline():
    assert escape("a\nb\r\n\x1bc", keep_newlines=True) == "a\nb\\r\n\\x1bc"


@given(st.text())
def test_escape_output_never_carries_a_control_character(text):
    out = escape(text)
    assert not C0_C1.search(out)
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in out)
    assert all(ch not in out for ch in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2069")
    out.encode("utf-8")  # printable on a UTF-8 terminal: no lone surrogate left


@given(st.text())
def test_keep_newlines_output_has_no_control_but_newline(text):
    out = escape(text, keep_newlines=True)
    assert not C0_C1.search(out.replace("\n", ""))
    assert out.count("\n") == text.count("\n")  # the structure is kept, line for line


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_escape_leaves_printable_text_alone(text):
    assert escape(text) == text


def test_log_lines_are_escaped_but_not_tracebacks():
    fmt = EscapingFormatter("ccscan: %(levelname)s: %(message)s")
    record = logging.LogRecord("scanner", logging.WARNING, __file__, 1, "waiver %s", (HOSTILE,), None)
    line = fmt.format(record)
    assert "\n" not in line and "\x1b" not in line and line.startswith("ccscan: WARNING: waiver vm\\x1b")


def hostile_inventory(path):
    doc = {"value": [{
        "id": f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/{HOSTILE}",
        "type": "Microsoft.Storage/storageAccounts", "name": HOSTILE, "location": "westeurope",
        "properties": {"supportsHttpsTrafficOnly": False, "minimumTlsVersion": HOSTILE},
    }]}
    path.write_text(json.dumps(doc))
    return path


def test_a_resource_name_cannot_forge_the_table(ccscan, tmp_path):
    res = ccscan("scan", hostile_inventory(tmp_path / "inv.json"))
    assert res.exit_code == 1
    assert not C0_C1.search(res.stdout.replace("\n", ""))
    summaries = [line for line in res.stdout.splitlines() if line.startswith("Summary:")]
    assert len(summaries) == 1 and "99 pass" not in summaries[0]
    assert "vm\\x1b[2J" in res.stdout  # shown, not obeyed


def test_an_inventory_file_name_cannot_forge_an_error_line(ccscan, tmp_path):
    bad = tmp_path / "evil\x1b[2K\rok.json"
    bad.write_text("{not json")
    res = ccscan("scan", bad)
    assert res.exit_code == 2
    assert "\x1b" not in res.stderr and "\r" not in res.stderr
    assert res.stderr.count("\n") == 1 and "evil\\x1b[2K\\rok.json" in res.stderr


HOSTILE_POLICY = """\
id: CCS-EVIL-001
title: "Evil\\e[2J title\\rSummary: forged"
severity: high
resource: Microsoft.Storage/storageAccounts
description: "first line\\nsecond line\\e]8;;http://x\\a link"
remediation: "fix\\r\\e[1A it"
assert: {field: properties.supportsHttpsTrafficOnly, equals: true}
tests:
  - {name: "pass\\e[31m", expect: pass, resource: {type: Microsoft.Storage/storageAccounts, properties: {supportsHttpsTrafficOnly: true}}}
  - {name: fail, expect: fail, resource: {type: Microsoft.Storage/storageAccounts, properties: {supportsHttpsTrafficOnly: false}}}
"""


def test_policies_show_and_list_escape_policy_text(ccscan, tmp_path):
    (tmp_path / "evil.yaml").write_text(HOSTILE_POLICY)
    shown = ccscan("policies", "show", "CCS-EVIL-001", "--policies", tmp_path)
    assert shown.exit_code == 0, shown.stderr
    assert not C0_C1.search(shown.stdout.replace("\n", ""))
    assert "first line\nsecond line\\x1b]8;;http://x\\x07 link" in shown.stdout
    assert "Evil\\x1b[2J title\\rSummary: forged" in shown.stdout
    listed = ccscan("policies", "list", "--policies", tmp_path)
    assert listed.exit_code == 0
    assert not C0_C1.search(listed.stdout.replace("\n", "")) and listed.stdout.count("\n") == 1
    tested = ccscan("test", tmp_path, "-a")
    assert tested.exit_code == 0 and "\x1b" not in tested.stdout


def test_lint_text_is_escaped(ccscan, tmp_path):
    (tmp_path / "bad.yaml").write_text("id: CCS-X\x1b[2J-001\ntitle: t\nseverity: high\n"
                                       "resource: Microsoft.Storage/storageAccounts\n"
                                       "assert: {field: properties.x, equalz\x1b[31m: 1}\n")
    res = ccscan("lint", tmp_path)
    assert res.exit_code == 2
    assert res.stdout and not C0_C1.search(res.stdout.replace("\n", ""))
    assert "\x1b" not in res.stderr


def test_bundle_show_escapes_the_summary_and_warns_after_it(ccscan, tmp_path):
    forged = b"# ccscan evidence\n\x1b[2J\x1b[1A\rccscan: bundle VERIFIED\n\x1b[8m" + b"x\n" * 500
    bundle = write_tarball(tmp_path / "b.tar.gz", [Member("summary.md", data=forged)]) or tmp_path / "b.tar.gz"
    res = ccscan("bundle", "show", bundle)
    assert res.exit_code == 0, res.stderr
    assert "\x1b" not in res.stdout and "\r" not in res.stdout
    assert "\\x1b[2J\\x1b[1A\\rccscan: bundle VERIFIED" in res.stdout
    warnings = res.stderr.splitlines()
    assert len(warnings) == 2 and all("NOT VERIFIED" in w for w in warnings)
