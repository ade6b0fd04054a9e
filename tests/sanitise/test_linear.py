"""
Time bombs: hostile texts and documents cost linear time and never overflow the stack.

The bounds are generous (a backtracking pattern took minutes on these inputs); the real
figures are in the report of bench runs, not here.
"""

from __future__ import annotations

import time

import pytest

from scanner.sanitise import MARK_PREFIX, sanitise_document, sanitise_text, sanitise_value
from scanner.sanitise.values import MAX_DEPTH, TOO_DEEP

MB = 1_000_000
HOSTILE = {
    "spaces": " " * MB,
    "equals": "=" * MB,
    "letters": "a" * MB,
    "password then spaces": "Password=" + " " * MB,
    "password then spaces and no end": "Password= " + " a" * (MB // 2),
    "many names": "password=" * (MB // 9),
    "authorization then spaces": "Authorization:" + " " * MB + "x",
    "open private key": "-----BEGIN RSA PRIVATE KEY-----" + "A" * MB,
    "sig runs": "&sig=" * (MB // 5),
    "url without at": "https://user:" + ":" * MB,
    "base64 alphabet": "Ab0+/_-" * (MB // 7),
    "short base64 runs": ("a" * 19 + " ") * (MB // 20),
    "jwt prefix runs": "eyJ" * (MB // 3),
    "token prefixes": "ghp_ xoxb- sk- AKIA " * (MB // 20),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_megabyte_of_hostile_text_is_quick(name):
    started = time.perf_counter()
    out = sanitise_text(HOSTILE[name])
    assert time.perf_counter() - started < 2.0, name  # minutes when a pattern backtracks; ~0.2 s here
    assert isinstance(out, str)


def test_hostile_text_under_a_secret_path_and_as_a_key():
    started = time.perf_counter()
    assert sanitise_value(" " * MB, "properties.osProfile.adminPassword").startswith(MARK_PREFIX)
    doc = sanitise_document({"properties": {("k" * MB): "v", "password" + " " * MB: "x"}})
    assert time.perf_counter() - started < 2.0
    assert len(doc["properties"]) == 2


def test_a_secret_after_a_megabyte_is_still_found():
    text = " " * MB + "ghp_" + "A1b2C3d4" * 5
    assert "ghp_" not in sanitise_text(text)


def test_deeply_nested_documents_are_cut_not_crashed():
    doc: dict = {"password": "deep-secret-value"}
    for _ in range(5000):
        doc = {"a": [doc]}
    out = sanitise_document({"properties": doc})
    text = repr_depth(out)
    assert TOO_DEEP in text and "deep-secret-value" not in text
    shallow = {"a": {"b": {"password": "p4ssw0rd!"}}}
    assert sanitise_document(shallow)["a"]["b"]["password"].startswith(MARK_PREFIX)
    assert MAX_DEPTH >= 50  # real ARM documents nest ~10 deep: they are never cut


def repr_depth(value) -> str:
    """Flatten without recursion (the document is deeper than the stack)."""
    out, stack = [], [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        else:
            out.append(str(v))
    return "\n".join(out)


def test_a_megabyte_of_evidence_through_the_stage():
    from scanner.findings import Evidence, Finding
    from scanner.sanitise import Sanitiser

    token = "ghp_" + "Z9y8X7w6V5" * 4
    big = " " * MB + token + "=" * MB
    findings = [Finding(id="1", policy_id="T", title="t", severity="high", status=status,
                        message=f"expected x; observed properties.notes={big[:117]!r}",
                        resource={"id": "r", "name": "r"},
                        evidence=(Evidence("properties.notes", big),))
                for status in ("fail", "error")]
    started = time.perf_counter()
    safe = [Sanitiser().finding(f) for f in findings]
    assert time.perf_counter() - started < 2.0
    for f in safe:
        assert token not in f.evidence[0].observed and len(f.message) <= 600
