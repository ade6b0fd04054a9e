"""
Every field operator on the values that tell a correct one from a near miss: types that
must not compare (True vs 1, "1" vs 1), case, boundaries, and the build-time errors.
"""

from __future__ import annotations

import pytest

from scanner.policy.operators import (
    COUNT_OPERATORS,
    OPERATORS,
    OperatorValueError,
    like_matcher,
    match_regex,
    parse_version,
)

CASES = [
    # (operator, expected, observed, result)
    ("equals", "Abc", "aBC", True),
    ("equals", "abc", "abcd", False),
    ("equals", "1", 1, False),
    ("equals", True, True, True),
    ("equals", True, "TRUE", True),
    ("equals", True, "true", True),
    ("equals", True, "false", False),
    ("equals", False, "False", True),
    ("equals", False, "true", False),
    ("equals", True, 1, False),
    ("equals", False, 0, False),
    ("equals", True, False, False),
    ("equals", False, False, True),
    ("equals", 1, 1, True),
    ("equals", 1, 1.0, True),
    ("equals", 1, True, False),
    ("equals", 0, False, False),
    ("equals", 1, "1", True),  # a number matches its own text (ARM strings)
    ("equals", 1, "1.0", False),
    ("equals", 1.5, "1.5", True),
    ("equals", 2, 3, False),
    ("equals", None, None, True),
    ("equals", [1], [1], True),
    ("equals", [1], [2], False),
    ("notEquals", "abc", "ABC", False),
    ("notEquals", "abc", "x", True),
    ("notEquals", 1, True, True),
    ("in", ["A", "b"], "a", True),
    ("in", ["A", "b"], "B", True),
    ("in", ["A", "b"], "c", False),
    ("in", [1, 2], 2, True),
    ("in", [1, 2], True, False),
    ("in", [1, 2], "1", True),  # numbers match their text
    ("in", [1, 2], "3", False),
    ("in", ["1", 2], 1, False),
    ("in", [True], "true", True),  # ARM's string booleans
    ("in", [True], "false", False),
    ("in", [True], "yes", False),
    ("in", [True], True, True),
    ("notIn", ["a"], "A", False),
    ("notIn", ["a"], "b", True),
    ("notIn", [1], 1, False),
    ("contains", "Ell", "hello", True),
    ("contains", "xyz", "hello", False),
    ("contains", "a", ["B", "A"], True),
    ("contains", "a", ["b"], False),
    ("contains", 1, [True, 1], True),
    ("contains", 1, [True], False),
    ("contains", 1, "1", True),  # a number in a string: its text is the needle
    ("contains", 1, "x10", True),
    ("contains", 1, "x2", False),
    ("contains", "K", {"k": 1}, True),
    ("contains", "k", {"other": 1}, False),
    ("contains", 1, {1: "x"}, False),
    ("contains", "a", 5, False),
    ("contains", "a", None, False),
    ("notContains", "a", "bcd", True),
    ("notContains", "a", "bAd", False),
    ("notContains", "a", ["a"], False),
    ("notContains", "a", [], True),
    ("notContains", "a", {}, True),
    ("notContains", "a", {"A": 1}, False),
    ("notContains", "a", 5, False),  # not a container: not evidence of absence
    ("notContains", "a", True, False),
    ("containsKey", "Name", {"nAME": 1}, True),
    ("containsKey", "name", {"other": 1}, False),
    ("containsKey", "name", ["name"], False),
    ("containsKey", "name", "name", False),
    ("containsKey", "1", {1: "x"}, False),
    ("notContainsKey", "name", {"other": 1}, True),
    ("notContainsKey", "name", {"NAME": 1}, False),
    ("notContainsKey", "name", ["x"], False),
    ("notContainsKey", "name", "x", False),
    ("like", "tls*", "TLS1_2", True),
    ("like", "tls*", "xTLS", False),
    ("like", "*prod*", "my-prod-1", True),
    ("like", "a.c", "abc", False),  # '.' is literal
    ("like", "a.c", "A.C", True),
    ("like", "a*", "a\nb", True),
    ("like", "a*", 5, False),
    ("like", "abc", "abcd", False),  # whole value
    ("notLike", "tls*", "ssl3", True),
    ("notLike", "tls*", "TLS1", False),
    ("notLike", "tls*", 5, False),
    ("match", "##-??", "12-ab", True),
    ("match", "##-??", "12-AB", True),
    ("match", "##-??", "1a-ab", False),
    ("match", "##-??", "12-a1", False),
    ("match", "a.c", "a\nc", True),
    ("match", "abc", "ABC", False),  # case-sensitive
    ("match", "a+", "a+", True),  # everything else literal
    ("match", "a+", "aa", False),
    ("match", "##", "123", False),
    ("match", "#", 1, False),
    ("notMatch", "##", "12", False),
    ("notMatch", "##", "ab", True),
    ("notMatch", "##", 12, False),
    ("matchInsensitively", "abc", "ABC", True),
    ("matchInsensitively", "a#", "B1", False),
    ("matchInsensitively", "a#", 5, False),
    ("notMatchInsensitively", "abc", "ABC", False),
    ("notMatchInsensitively", "abc", "abd", True),
    ("notMatchInsensitively", "abc", 5, False),
    ("regex", "^tls1_[23]$", "TLS1_2", False),  # case-sensitive
    ("regex", "tls1_[23]", "xtls1_3y", True),  # search, not fullmatch
    ("regex", "a", 5, False),
    ("less", 5, 4, True),
    ("less", 5, 5, False),
    ("less", 5, 6, False),
    ("less", 5, True, False),
    ("less", 5, "4", False),
    ("less", "b", "A", True),
    ("less", "b", "B", False),
    ("less", "b", 1, False),
    ("lessOrEquals", 5, 5, True),
    ("lessOrEquals", 5, 5.5, False),
    ("lessOrEquals", 5, 4, True),
    ("lessOrEquals", "b", "B", True),
    ("greater", 5, 6, True),
    ("greater", 5, 5, False),
    ("greater", 5, 4, False),
    ("greater", 0, True, False),
    ("greater", "a", "B", True),
    ("greaterOrEquals", 5, 5, True),
    ("greaterOrEquals", 5, 4.9, False),
    ("greaterOrEquals", 5, 6, True),
    ("greaterOrEquals", "b", "B", True),
    ("greaterOrEquals", 1.5, 2, True),
    ("versionAtLeast", "1.2", "TLS1_2", True),
    ("versionAtLeast", "1.2", "TLS1_1", False),
    ("versionAtLeast", "1.2", "Tls13", True),
    ("versionAtLeast", "1.2", "TLS12", True),
    ("versionAtLeast", "1.2", "TLS11", False),
    ("versionAtLeast", "1.2", 1.3, True),
    ("versionAtLeast", "1.2", 1, False),
    ("versionAtLeast", "1.2", "2", False),  # not a TLS spelling: never a guess
    ("versionAtLeast", "1.2", "1_3", True),
    ("versionAtLeast", "1.2.3", "1.2.2", False),
    ("versionAtLeast", "1.2.3", "1.2.3", True),
    ("versionAtLeast", "1.2", "none", False),
    ("versionAtLeast", "1.2", None, False),
    ("versionAtLeast", "1.2", True, False),
    ("versionAtLeast", 1.2, "1.2", True),
]


@pytest.mark.parametrize(("op", "expected", "observed", "result"), CASES)
def test_operator(op, expected, observed, result):
    assert OPERATORS[op](expected)(observed) is result


@pytest.mark.parametrize(
    ("op", "bad"),
    [("in", []), ("in", "a"), ("notIn", None), ("containsKey", 1), ("notContainsKey", ["k"]),
     ("like", 1), ("notLike", None), ("match", 1), ("notMatch", 1), ("matchInsensitively", 1),
     ("notMatchInsensitively", 1), ("regex", 1), ("regex", "("), ("less", None), ("less", True),
     ("lessOrEquals", [1]), ("greater", {}), ("greaterOrEquals", None),
     ("versionAtLeast", "none"), ("versionAtLeast", None)],
)
def test_unusable_expected_values_are_rejected_when_built(op, bad):
    with pytest.raises(OperatorValueError):
        OPERATORS[op](bad)


def test_error_messages_name_the_operator():
    with pytest.raises(OperatorValueError, match="^'in' needs a non-empty list of values$"):
        OPERATORS["in"]([])
    with pytest.raises(OperatorValueError, match="^'containsKey' needs a string key$"):
        OPERATORS["containsKey"](1)
    for op in ("like", "notLike", "match", "notMatch", "matchInsensitively", "notMatchInsensitively"):
        with pytest.raises(OperatorValueError, match=f"^'{op}' needs a string pattern$"):
            OPERATORS[op](3)
    for op in ("less", "lessOrEquals", "greater", "greaterOrEquals"):
        with pytest.raises(OperatorValueError, match=f"^'{op}' needs a number or a string$"):
            OPERATORS[op](None)
    with pytest.raises(OperatorValueError, match="^'versionAtLeast' cannot read 'x' as a version$"):
        OPERATORS["versionAtLeast"]("x")


def test_not_in_error_names_not_in():
    with pytest.raises(OperatorValueError, match="'notIn' needs a non-empty list"):
        OPERATORS["notIn"]([])
    with pytest.raises(OperatorValueError, match="'notIn' lists a null"):
        OPERATORS["notIn"]([None])


@pytest.mark.parametrize(
    ("text", "version"),
    [("1.2", (1, 2, 0)), ("TLS1_2", (1, 2, 0)), ("TLSv1.3", (1, 3, 0)), ("Tls12", (1, 2, 0)),
     ("TLS 1.0", (1, 0, 0)), ("1.2.3", (1, 2, 3)), ("1_2_3", None), ("7", None),
     ("123", None), (1.2, (1, 2, 0)), (2, None), ("v10.4", None), ("1_2", (1, 2, 0)),
     ("1", (1, 0, 0)), (1, (1, 0, 0)), ("12", (1, 2, 0)), ("TLSv1.2_2021", (1, 2, 0)),
     (" TLS1.2 ", (1, 2, 0)), ("SSLv3", None), ("2016", None), ("1.2-beta", None),
     ("no digits", None), (None, None), (True, None), ([1, 2], None)],
)
def test_parse_version(text, version):
    assert parse_version(text) == version


def test_pattern_builders():
    assert like_matcher("a*b")("AxxB")
    assert like_matcher("a*b")("ab")
    assert not like_matcher("a?b")("axb")  # '?' is literal in like
    assert match_regex("#?.").fullmatch("1a!")
    assert not match_regex("#?.").fullmatch("1a")
    assert not match_regex("ab").fullmatch("AB")
    assert match_regex("ab", 2).fullmatch("AB")  # re.IGNORECASE


def test_operator_tables():
    assert sorted(OPERATORS) == sorted([
        "equals", "notEquals", "in", "notIn", "contains", "notContains", "containsKey",
        "notContainsKey", "like", "notLike", "match", "notMatch", "matchInsensitively",
        "notMatchInsensitively", "regex", "less", "lessOrEquals", "greater", "greaterOrEquals",
        "versionAtLeast"])
    assert COUNT_OPERATORS == ("equals", "notEquals", "in", "notIn", "less", "lessOrEquals",
                               "greater", "greaterOrEquals")


def test_regex_error_names_regex():
    with pytest.raises(OperatorValueError, match="^'regex' needs a string pattern$"):
        OPERATORS["regex"](1)
