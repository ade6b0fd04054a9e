"""
The pass-1 prefilter (scanner.inventory.prefilter): a JSONL file is skipped only when its
bytes cannot spell an indexed type; any spelling JSON allows (case, `\\/`, `\\uXXXX`, the
Kelvin sign that lower-cases to `k`) keeps it, and a skipped file changes no verdict.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.inventory import prefilter
from scanner.inventory.prefilter import may_hold

CONFIG = "microsoft.web/sites/config"
SITE = "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg/providers/Microsoft.Web/sites/f1"


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def test_a_file_without_the_type_is_skipped(tmp_path):
    line = json.dumps({"id": SITE, "type": "Microsoft.Web/sites", "etag": '"abc"'})
    assert may_hold(_write(tmp_path / "a.jsonl", line + "\n"), {CONFIG}) is False


@pytest.mark.parametrize("spelled", [
    '"Microsoft.Web/Sites/CONFIG"',                 # types compare case-insensitively
    '"microsoft.web\\/sites\\/config"',             # JSON's escaped solidus
    '"microsoft.web/sites/\\u0063onfig"',           # a \\u escape
    '"microsoft.web/sites/\\U0063onfig"',           # not JSON, but no reason to skip it
])
def test_every_spelling_of_the_type_keeps_the_file(tmp_path, spelled):
    path = _write(tmp_path / "a.jsonl", '{"id": "/x", "type": ' + spelled + "}\n")
    assert may_hold(path, {CONFIG}) is True


def test_a_character_that_lower_cases_to_ascii_keeps_the_file(tmp_path):
    # U+212A KELVIN SIGN lower-cases to "k": "\u212aeyvault" is "keyvault" to str.lower()
    path = _write(tmp_path / "a.jsonl", '{"id": "/x", "type": "Microsoft.\u212aeyVault/vaults"}\n')
    assert "Microsoft.\u212aeyVault/vaults".lower() == "microsoft.keyvault/vaults"
    assert may_hold(path, {"microsoft.keyvault/vaults"}) is True
    assert may_hold(path, {CONFIG}) is True  # any such character: not worth telling apart


def test_an_escaped_backslash_before_u_is_no_escape(tmp_path):
    path = _write(tmp_path / "a.jsonl", '{"id": "/x", "type": "a", "note": "C:\\\\users"}\n')
    assert may_hold(path, {CONFIG}) is False


def test_a_type_straddling_two_blocks_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(prefilter, "BLOCK", 16)
    line = json.dumps({"id": SITE + "/config/web", "pad": "x" * 7, "type": "Microsoft.Web/sites/config"})
    path = _write(tmp_path / "a.jsonl", line + "\n")
    assert may_hold(path, {CONFIG}) is True
    other = _write(tmp_path / "b.jsonl", json.dumps({"id": "/y", "type": "Microsoft.Web/sites"}) + "\n")
    assert may_hold(other, {CONFIG}) is False


def test_other_files_and_unreadable_ones_are_always_read(tmp_path):
    assert may_hold(_write(tmp_path / "a.json", "{}"), {CONFIG}) is True  # only JSONL is filtered
    assert may_hold(tmp_path / "missing.jsonl", {CONFIG}) is True  # pass 1 reports the error
    assert may_hold(_write(tmp_path / "c.jsonl", "{}\n"), set()) is True


_CHARS = st.sampled_from(["plain", "upper", "escape"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_CHARS, min_size=len(CONFIG), max_size=len(CONFIG)), st.booleans())
def test_any_json_spelling_of_the_type_is_kept(tmp_path_factory, ways, slash_escaped):
    # Write the type with each character as is, upper-cased or \\u-escaped: whatever JSON
    # decodes to a case variant of the type must keep the file.
    out = []
    for ch, way in zip(CONFIG, ways, strict=True):
        if way == "escape":
            out.append(f"\\u{ord(ch):04x}")
        elif ch == "/" and slash_escaped:
            out.append("\\/")
        else:
            out.append(ch.upper() if way == "upper" else ch)
    text = '{"id": "/x", "type": "' + "".join(out) + '"}\n'
    assert json.loads(text)["type"].lower() == CONFIG
    path = tmp_path_factory.mktemp("p") / "a.jsonl"
    assert may_hold(_write(path, text), {CONFIG}) is True


def test_a_site_config_child_in_jsonl_is_still_merged(tmp_path, ccscan):
    # The scan reads pass 1 for the file holding the child (escaped solidus and all) and
    # skips it for the file of sites alone: the verdicts are those of a full two-pass scan.
    (tmp_path / "sites.jsonl").write_text(json.dumps({
        "id": SITE, "name": "f1", "type": "Microsoft.Web/sites", "kind": "functionapp",
        "properties": {"siteConfig": None, "httpsOnly": True}}) + "\n")
    child = json.dumps({"id": f"{SITE}/config/web", "name": "web", "type": "Microsoft.Web/sites/config",
                        "properties": {"minTlsVersion": "1.2", "ftpsState": "AllAllowed"}})
    (tmp_path / "web.jsonl").write_text(child.replace("/", "\\/") + "\n")
    res = ccscan("scan", str(tmp_path), "--format", "json")
    status = {f["policy_id"]: f["status"] for f in res.json()["findings"] if f["resource"]["name"] == "f1"}
    assert status["CCS-AZ-APP-002"] == "pass" and status["CCS-AZ-APP-003"] == "fail"
    alone = ccscan("scan", str(tmp_path / "sites.jsonl"), "--format", "json")
    status = {f["policy_id"]: f["status"] for f in alone.json()["findings"]}
    assert status["CCS-AZ-APP-002"] == "unknown" and status["CCS-AZ-APP-003"] == "unknown"
