"""
No time bombs: `regex`, `like` and `match` run on RE2 (linear time), keep their documented
semantics, and lint refuses what RE2 cannot run, with the reason.
"""

from __future__ import annotations

import fnmatch
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.policy.helpers import compile_condition, holds

# Each of these takes minutes (or forever) with Python's backtracking `re`.
BOMBS = [
    ({"field": "v", "regex": "^(a+)+$"}, "a" * 50_000 + "b"),
    ({"field": "v", "regex": "(x+x+)+y"}, "x" * 50_000),
    ({"field": "v", "regex": "^(\\w+\\s?)*$"}, "word " * 10_000 + "!"),
    ({"field": "v", "like": "*a*a*a*a*a*a*a*a*a*a*a*b"}, "a" * 5000),
    ({"field": "v", "notLike": "*a*a*a*a*a*a*a*a*a*a*a*b"}, "a" * 50_000),
    ({"field": "v", "like": "*a*a*a*a*a*a*a*a*a*a*a*b*"}, "a" * 50_000),
    ({"field": "v", "like": "a*a*a*a*a*a*a*a*a*a*a*a*c"}, "a" * 50_000 + "b"),
    ({"field": "v", "match": "." * 40 + "b"}, "a" * 50_000),
    ({"field": "v", "matchInsensitively": "#" * 30 + "?"}, "1" * 50_000),
]


@pytest.mark.parametrize(("cond", "value"), BOMBS, ids=[f"{i}-{next(iter(set(c) - {'field'}))}" for i, (c, _) in enumerate(BOMBS)])
def test_pathological_patterns_evaluate_in_well_under_a_second(cond, value):
    check, _, messages = compile_condition(cond)
    assert not messages
    start = time.perf_counter()
    for _ in range(3):
        result = check({"v": value}, None, None)
    elapsed = time.perf_counter() - start
    negated = list(cond)[1].startswith("not")
    assert result is negated  # none of these values matches
    assert elapsed < 1.0, f"{elapsed:.2f}s for three evaluations"  # took minutes with `re`


@pytest.mark.parametrize(("pattern", "feature"), [
    ("(a)\\1", "backreference"), ("a(?=b)", "lookahead"), ("(?<!a)b", "lookbehind"),
    ("a++", "possessive"), ("(?P<n>a)(?P=n)", "named backreference"), ("\\Z", "\\Z"),
])
def test_lint_refuses_what_re2_cannot_run_with_the_reason(ccscan, tmp_path, pattern, feature):
    p = tmp_path / "p.yaml"
    p.write_text(
        "id: T-RE-1\ntitle: t\nseverity: low\nresource: A/b\n"
        f"assert: {{field: name, regex: '{pattern}'}}\n"
    )
    res = ccscan("lint", p)
    assert res.exit_code == 2
    assert f"{p}:5:" in res.stdout
    assert "uses a feature RE2 does not support" in res.stdout and "[bad-regex]" in res.stdout
    assert "RE2 syntax" in res.stdout
    assert res.stderr.count("re2.cc") == 0  # RE2's own logging stays quiet


def test_a_regex_neither_engine_compiles_says_it_does_not_compile():
    _, _, messages = compile_condition({"field": "v", "regex": "(unclosed"})
    assert [m.rule for m in messages] == ["bad-regex"]
    assert "does not compile" in messages[0].message


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("^Standard_DC", "Standard_DC4as_v5", True),  # search semantics: anchors are the author's
    ("DC4", "Standard_DC4as_v5", True),
    ("^DC", "Standard_DC4as_v5", False),
    ("dc4", "Standard_DC4as_v5", False),  # case-sensitive, as before
    ("(?i)dc4", "Standard_DC4as_v5", True),
    ("^a.c$", "a\nc", False),  # `.` does not cross lines, as in Python
    ("^\\d+$", "123", True),
    ("^[a-z0-9-]+\\.bedrock-runtime(-fips)?$", "com.bedrock-runtime", True),
])
def test_regex_keeps_python_search_semantics(pattern, value, expected):
    assert holds({"field": "v", "regex": pattern}, {"v": value}) is expected
    assert (re.search(pattern, value) is not None) is expected  # the README's reference


# --- equivalence with reference semantics on small inputs ---------------------------------

ALPHABET = "abAB.*?#-1 "
small_text = st.text(ALPHABET.replace("*", ""), max_size=8)
glob = st.text("abAB.*?#- ", max_size=7)


def _like_reference(pattern: str, value: str) -> bool:
    # fnmatch with only `*` special: escape `?` and `[` so they are literal, as in `like`.
    escaped = "".join("[?]" if c == "?" else "[[]" if c == "[" else c for c in pattern.lower())
    return fnmatch.fnmatchcase(value.lower(), escaped)


def _match_reference(pattern: str, value: str, ignore_case: bool) -> bool:
    if len(pattern) != len(value):
        return False
    for p, v in zip(pattern, value):
        if p == "#":
            ok = v in "0123456789"
        elif p == "?":
            ok = v.isascii() and v.isalpha()
        elif p == ".":
            ok = True
        else:
            ok = p.lower() == v.lower() if ignore_case else p == v
        if not ok:
            return False
    return True


@given(pattern=glob, value=small_text)
@settings(max_examples=600, deadline=None)
def test_property_like_agrees_with_fnmatch_star_semantics(pattern, value):
    doc = {"v": value}
    expected = _like_reference(pattern, value)
    assert holds({"field": "v", "like": pattern}, doc) is expected
    assert holds({"field": "v", "notLike": pattern}, doc) is (not expected)


@given(pattern=st.text("abAB.?#-1", max_size=6), value=st.text("abAB.-1x9", max_size=6))
@settings(max_examples=600, deadline=None)
def test_property_match_agrees_with_a_character_by_character_reference(pattern, value):
    doc = {"v": value}
    assert holds({"field": "v", "match": pattern}, doc) is _match_reference(pattern, value, False)
    assert holds({"field": "v", "matchInsensitively": pattern}, doc) is _match_reference(pattern, value, True)
    assert holds({"field": "v", "notMatch": pattern}, doc) is (not _match_reference(pattern, value, False))


@given(value=st.text(max_size=12))
@settings(max_examples=300, deadline=None)
def test_property_like_star_matches_any_string_including_newlines(value):
    assert holds({"field": "v", "like": "*"}, {"v": value}) is True
    assert holds({"field": "v", "like": "*" + value + "*"}, {"v": value}) is True


@given(pattern=st.text("ab.*+?()|^$", max_size=6), value=st.text("ab\n", max_size=6))
@settings(max_examples=400, deadline=None)
def test_property_regex_agrees_with_python_re_where_both_compile(pattern, value):
    try:
        reference = re.search(pattern, value) is not None
    except re.error:
        return
    check, _, messages = compile_condition({"field": "v", "regex": pattern})
    if messages:  # RE2 refuses a few Python-only forms: that is a lint error, never a verdict
        assert messages[0].rule == "bad-regex"
        return
    if value.endswith("\n") and "$" in pattern:
        return  # Python's `$` also matches before a final newline; RE2's does not (README)
    assert check({"v": value}, None, None) is reference


@pytest.mark.parametrize("op", ["like", "notLike", "match", "notMatch", "matchInsensitively", "regex"])
def test_patterns_over_the_length_cap_are_lint_errors(op):
    from scanner.policy.operators import MAX_PATTERN_CHARS

    _, _, messages = compile_condition({"field": "v", op: "a*." * MAX_PATTERN_CHARS})
    assert len(messages) == 1
    assert f"over the {MAX_PATTERN_CHARS} limit" in messages[0].message
    _, _, messages = compile_condition({"field": "v", op: "a" * MAX_PATTERN_CHARS})
    assert messages == []


def test_a_regex_too_large_for_re2_is_a_lint_error_not_a_crash():
    _, _, messages = compile_condition({"field": "v", "regex": "((((a{100}){100}){100}){100})"})
    assert len(messages) == 1
    assert "cannot be used" in messages[0].message or "does not compile" in messages[0].message


@given(pattern=st.text("ab*", max_size=10), value=st.text("abAB", max_size=30))
@settings(max_examples=500, deadline=None)
def test_property_like_is_exact_on_star_heavy_patterns(pattern, value):
    assert holds({"field": "v", "like": pattern}, {"v": value}) is _like_reference(pattern, value)


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("^é+$", "éé", True), ("^.$", "é", True), ("^..$", "é", False), ("^\\x{1F600}$", "\U0001F600", True),
    ("x", "\ud800x", True),  # a lone surrogate (JSON allows it) is no crash and no false match
    ("^y", "\ud800x", False),
])
def test_regex_reads_unicode_text_by_characters(pattern, value, expected):
    assert holds({"field": "v", "regex": pattern}, {"v": value}) is expected
