"""
The operator table: each operator turns the policy's expected value into a predicate, once.

A predicate takes the observed value (never MISSING: the caller handles absence) and
returns a bool. Build errors raise `OperatorValueError` with a message for lint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[Any], bool]


class OperatorValueError(ValueError):
    """The value given to an operator cannot work (a bad regex, `in` without a list…)."""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _fold(v: Any) -> Any:
    return v.casefold() if isinstance(v, str) else v


def _scalar_equal(expected: Any) -> Predicate:
    if isinstance(expected, str):
        e = expected.casefold()
        return lambda v: isinstance(v, str) and v.casefold() == e
    if isinstance(expected, bool):
        text = "true" if expected else "false"
        # ARM returns some booleans as strings ("true"); treat them alike.
        return lambda v: v is expected or (isinstance(v, str) and v.lower() == text)
    if _is_number(expected):
        return lambda v: _is_number(v) and v == expected
    return lambda v: v == expected


def op_equals(expected: Any) -> Predicate:
    return _scalar_equal(expected)


def op_not_equals(expected: Any) -> Predicate:
    eq = _scalar_equal(expected)
    return lambda v: not eq(v)


def _need_list(expected: Any, name: str) -> list[Any]:
    if not isinstance(expected, list) or not expected:
        raise OperatorValueError(f"'{name}' needs a non-empty list of values")
    return expected


def op_in(expected: Any) -> Predicate:
    values = _need_list(expected, "in")
    strings = {v.casefold() for v in values if isinstance(v, str)}
    preds = [_scalar_equal(v) for v in values if not isinstance(v, str)]

    def pred(v: Any) -> bool:
        if isinstance(v, str):
            return v.casefold() in strings
        return any(p(v) for p in preds)

    return pred


def op_not_in(expected: Any) -> Predicate:
    inside = op_in(expected)
    return lambda v: not inside(v)


def op_contains(expected: Any) -> Predicate:
    eq = _scalar_equal(expected)
    needle = expected.casefold() if isinstance(expected, str) else None

    def pred(v: Any) -> bool:
        if isinstance(v, str):
            return needle is not None and needle in v.casefold()
        if isinstance(v, list):
            return any(eq(x) for x in v)
        if isinstance(v, dict):
            return needle is not None and any(
                isinstance(k, str) and k.casefold() == needle for k in v
            )
        return False

    return pred


def op_not_contains(expected: Any) -> Predicate:
    has = op_contains(expected)
    return lambda v: isinstance(v, (str, list, dict)) and not has(v)


def op_contains_key(expected: Any) -> Predicate:
    if not isinstance(expected, str):
        raise OperatorValueError("'containsKey' needs a string key")
    key = expected.casefold()
    return lambda v: isinstance(v, dict) and any(
        isinstance(k, str) and k.casefold() == key for k in v
    )


def op_not_contains_key(expected: Any) -> Predicate:
    has = op_contains_key(expected)
    return lambda v: isinstance(v, dict) and not has(v)


def _need_str(expected: Any, name: str) -> str:
    if not isinstance(expected, str):
        raise OperatorValueError(f"'{name}' needs a string pattern")
    return expected


def like_regex(pattern: str) -> re.Pattern[str]:
    """`like`: `*` matches any run of characters; everything else is literal; no case."""
    return re.compile(".*".join(re.escape(p) for p in pattern.split("*")), re.IGNORECASE | re.DOTALL)


def match_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`match`: `#` a digit, `?` a letter, `.` any character, everything else literal."""
    table = {"#": r"\d", "?": "[A-Za-z]", ".": "."}
    return re.compile("".join(table.get(c, re.escape(c)) for c in pattern), flags | re.DOTALL)


def _full(regex: re.Pattern[str], negate: bool) -> Predicate:
    if negate:
        return lambda v: isinstance(v, str) and regex.fullmatch(v) is None
    return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None


def op_like(expected: Any) -> Predicate:
    return _full(like_regex(_need_str(expected, "like")), False)


def op_not_like(expected: Any) -> Predicate:
    return _full(like_regex(_need_str(expected, "notLike")), True)


def op_match(expected: Any) -> Predicate:
    return _full(match_regex(_need_str(expected, "match")), False)


def op_not_match(expected: Any) -> Predicate:
    return _full(match_regex(_need_str(expected, "notMatch")), True)


def op_match_insensitively(expected: Any) -> Predicate:
    return _full(match_regex(_need_str(expected, "matchInsensitively"), re.IGNORECASE), False)


def op_not_match_insensitively(expected: Any) -> Predicate:
    return _full(match_regex(_need_str(expected, "notMatchInsensitively"), re.IGNORECASE), True)


def op_regex(expected: Any) -> Predicate:
    try:
        regex = re.compile(_need_str(expected, "regex"))
    except re.error as e:
        raise OperatorValueError(f"regex {expected!r} does not compile: {e}") from None
    return lambda v: isinstance(v, str) and regex.search(v) is not None


def _ordering(expected: Any, name: str, test: Callable[[Any, Any], bool]) -> Predicate:
    if _is_number(expected):
        return lambda v: _is_number(v) and test(v, expected)
    if isinstance(expected, str):
        e = expected.casefold()
        return lambda v: isinstance(v, str) and test(v.casefold(), e)
    raise OperatorValueError(f"'{name}' needs a number or a string")


def op_less(expected: Any) -> Predicate:
    return _ordering(expected, "less", lambda a, b: a < b)


def op_less_or_equals(expected: Any) -> Predicate:
    return _ordering(expected, "lessOrEquals", lambda a, b: a <= b)


def op_greater(expected: Any) -> Predicate:
    return _ordering(expected, "greater", lambda a, b: a > b)


def op_greater_or_equals(expected: Any) -> Predicate:
    return _ordering(expected, "greaterOrEquals", lambda a, b: a >= b)


_VERSION = re.compile(r"(\d+)(?:[._](\d+))?(?:[._](\d+))?")


def parse_version(value: Any) -> tuple[int, ...] | None:
    """
    Read a TLS-style version: "1.2", "TLS1_2", "TLSv1.2", "Tls12", "TLS 1.3", 1.2 → (1, 2).

    Two glued digits ("TLS12", "Tls13") mean major.minor, as Azure and AWS spell them.
    """
    if _is_number(value):
        value = str(value)
    if not isinstance(value, str):
        return None
    m = _VERSION.search(value)
    if not m:
        return None
    parts = [int(g) for g in m.groups() if g is not None]
    if len(parts) == 1 and len(m.group(1)) == 2:
        parts = [int(m.group(1)[0]), int(m.group(1)[1])]
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def op_version_at_least(expected: Any) -> Predicate:
    floor = parse_version(expected)
    if floor is None:
        raise OperatorValueError(f"'versionAtLeast' cannot read {expected!r} as a version")

    def pred(v: Any) -> bool:
        seen = parse_version(v)
        return seen is not None and seen >= floor

    return pred


OPERATORS: dict[str, Callable[[Any], Predicate]] = {
    "equals": op_equals,
    "notEquals": op_not_equals,
    "in": op_in,
    "notIn": op_not_in,
    "contains": op_contains,
    "notContains": op_not_contains,
    "containsKey": op_contains_key,
    "notContainsKey": op_not_contains_key,
    "like": op_like,
    "notLike": op_not_like,
    "match": op_match,
    "notMatch": op_not_match,
    "matchInsensitively": op_match_insensitively,
    "notMatchInsensitively": op_not_match_insensitively,
    "regex": op_regex,
    "less": op_less,
    "lessOrEquals": op_less_or_equals,
    "greater": op_greater,
    "greaterOrEquals": op_greater_or_equals,
    "versionAtLeast": op_version_at_least,
}
"""Field operators. `exists` is handled by the compiler: it is the one that sees absence."""

COUNT_OPERATORS = ("equals", "notEquals", "in", "notIn", "less", "lessOrEquals", "greater", "greaterOrEquals")
"""Comparisons allowed on a `count`."""
