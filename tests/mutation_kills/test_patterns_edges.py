"""
The hardened pattern operators at their edges, with hand-written expectations: the linear
`like` matcher, `match`'s translation, RE2 `regex` and the messages for what cannot run.

The Hypothesis properties in tests/policy/test_patterns.py cover the same ground broadly;
these cases are the fast, exact ones mutation testing runs.
"""

from __future__ import annotations

import pytest

from scanner.policy.operators import (
    MAX_PATTERN_CHARS,
    OPERATORS,
    OperatorValueError,
    compile_regex,
    like_matcher,
    match_regex,
)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("a*b*c", "abc", True),
        ("a*b*c", "ac", False),
        ("a*b*c", "aXbYc", True),
        ("ab*ba", "aba", False),  # head and tail may not overlap
        ("ab*ba", "abba", True),
        ("a*bc*bc", "abc", False),  # a piece must fit between head and tail
        ("a*bc*bc", "abcbc", True),
        ("a*x*x*b", "axb", False),  # pieces do not overlap each other
        ("a*x*x*b", "axxb", True),
        ("a*x*y*b", "ayxb", False),  # pieces in order
        ("*", "", True),
        ("*", "anything", True),
        ("**", "x", True),
        ("a**b", "ab", True),
        ("A*", "abc", True),
        ("*C", "abc", True),
        ("*c", "abcd", False),
        ("b*", "abc", False),
        ("abc", "ABC", True),
        ("abc", "abcd", False),
        ("", "", True),
        ("", "a", False),
        ("*", 5, False),
        ("abc", None, False),
    ],
)
def test_like_matcher(pattern, value, expected):
    assert like_matcher(pattern)(value) is expected


def test_like_piece_search_stops_before_the_tail():
    # "b" occurs only inside the tail "bb": it is not a piece between head and tail.
    assert like_matcher("a*b*bb")("abb") is False
    assert like_matcher("a*b*bb")("abbb") is True


@pytest.mark.parametrize(
    ("pattern", "ignore_case", "value", "expected"),
    [
        ("#?.", False, "1a\n", True),
        ("#?.", False, "1A!", True),
        ("#", False, "٣", False),  # ASCII digits only
        ("?", False, "é", False),  # ASCII letters only
        ("a?", True, "AB", True),
        ("a?", False, "AB", False),
        ("(x)", False, "(x)", True),  # everything else literal
        ("a*", False, "a*", True),
        ("a*", False, "aa", False),
    ],
)
def test_match_regex(pattern, ignore_case, value, expected):
    assert (match_regex(pattern, ignore_case).fullmatch(value) is not None) is expected


@pytest.mark.parametrize("op", ["like", "notLike", "match", "notMatch", "matchInsensitively",
                                "notMatchInsensitively", "regex"])
def test_pattern_length_cap(op):
    OPERATORS[op]("a" * MAX_PATTERN_CHARS)  # at the cap: fine
    with pytest.raises(OperatorValueError) as e:
        OPERATORS[op]("a" * (MAX_PATTERN_CHARS + 1))
    assert str(e.value) == f"'{op}' pattern is 4097 characters long, over the 4096 limit"
    with pytest.raises(OperatorValueError) as e:
        OPERATORS[op](5)
    assert str(e.value) == f"'{op}' needs a string pattern"


FEATURE = ("regex {} uses a feature RE2 does not support ({}): ccscan regexes use RE2 syntax, "
           "without backreferences, lookahead/lookbehind or possessive quantifiers")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(", "regex '(' does not compile: missing ): ("),
        ("(?=a)", FEATURE.format("'(?=a)'", "invalid perl operator: (?=")),
        (r"(a)\1", FEATURE.format("'(a)\\\\1'", "invalid escape sequence: \\1")),
        ("a++", FEATURE.format("'a++'", "bad repetition operator: ++")),
        ("a{1001}", "regex 'a{1001}' cannot be used: invalid repetition size: {1001} (RE2 limit)"),
        ("x" * 90 + "(", "regex '" + "x" * 77 + "...' does not compile: missing ): " + "x" * 90 + "("),
        ("x" * 80 + "(", "regex '" + "x" * 77 + "...' does not compile: missing ): " + "x" * 80 + "("),
    ],
)
def test_regex_refusals_say_why(pattern, message):
    with pytest.raises(OperatorValueError) as e:
        compile_regex(pattern)
    assert str(e.value) == message


def test_a_regex_of_80_characters_is_quoted_whole():
    with pytest.raises(OperatorValueError) as e:
        compile_regex("x" * 79 + "(")
    assert str(e.value) == "regex '" + "x" * 79 + "(' does not compile: missing ): " + "x" * 79 + "("


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("b", "abc", True),  # a search, not a whole-value match
        ("^b", "abc", False),
        ("c$", "abc", True),
        ("é", "café", True),
        ("x", "a\udcffx", True),  # a lone surrogate (JSON allows it) does not break the search
        ("^$", "", True),
        ("a", 5, False),
        ("a", None, False),
        ("a", ["a"], False),
    ],
)
def test_regex_search(pattern, value, expected):
    assert OPERATORS["regex"](pattern)(value) is expected


def test_not_like_and_not_match_need_a_string():
    assert OPERATORS["notLike"]("a*")(["b"]) is False
    assert OPERATORS["notLike"]("a*")("b") is True
    assert OPERATORS["notMatch"]("#")(["1"]) is False
    assert OPERATORS["notMatchInsensitively"]("a")("B") is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("in", [], "'in' needs a non-empty list of values"),
        ("in", "a", "'in' needs a non-empty list of values"),
        ("in", ["a", None], "'in' lists a null (an empty YAML item): give a value or quote it"),
        ("less", None, "'less' needs a number or a string"),
        ("greaterOrEquals", [1], "'greaterOrEquals' needs a number or a string"),
    ],
)
def test_operator_value_messages(name, value, message):
    with pytest.raises(OperatorValueError) as e:
        OPERATORS[name](value)
    assert str(e.value) == message
