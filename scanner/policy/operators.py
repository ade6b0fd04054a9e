"""
The operator table: each operator turns the policy's expected value into a predicate, once.

A predicate takes the observed value (never MISSING: the caller handles absence) and
returns a bool. Build errors raise `OperatorValueError` with a message for lint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

Predicate = Callable[[Any], bool]


class OperatorValueError(ValueError):
    """The value given to an operator cannot work (a bad regex, `in` without a list…)."""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _fold(v: Any) -> Any:
    return v.casefold() if isinstance(v, str) else v


def number_text(v: Any) -> str:
    """A number as YAML 1.2 and JSON print it: 1.0 -> "1.0", 22 -> "22"."""
    return repr(v) if isinstance(v, float) else str(v)


def _scalar_equal(expected: Any) -> Predicate:
    if isinstance(expected, str):
        e = expected.casefold()
        return lambda v: isinstance(v, str) and v.casefold() == e
    if isinstance(expected, bool):
        text = "true" if expected else "false"
        # ARM returns some booleans as strings ("true"); treat them alike.
        return lambda v: v is expected or (isinstance(v, str) and v.lower() == text)
    if _is_number(expected):
        # The policy loader refuses numbers whose text would not print back as written
        # (`1.10`, `012`), so this text is the author's: `notIn: [1.0, 1.1]` matches "1.0".
        text = number_text(expected)
        return lambda v: (_is_number(v) and v == expected) or (isinstance(v, str) and v == text)
    return lambda v: v == expected


def op_equals(expected: Any) -> Predicate:
    return _scalar_equal(expected)


def op_not_equals(expected: Any) -> Predicate:
    eq = _scalar_equal(expected)
    return lambda v: not eq(v)


def _need_list(expected: Any, name: str) -> list[Any]:
    if not isinstance(expected, list) or not expected:
        raise OperatorValueError(f"'{name}' needs a non-empty list of values")
    if any(v is None for v in expected):
        raise OperatorValueError(f"'{name}' lists a null (an empty YAML item): give a value or quote it")
    return expected


def op_in(expected: Any, name: str = "in") -> Predicate:
    values = _need_list(expected, name)
    strings = {v.casefold() for v in values if isinstance(v, str)}
    strings |= {number_text(v) for v in values if _is_number(v)}
    preds = [_scalar_equal(v) for v in values if not isinstance(v, str)]

    def pred(v: Any) -> bool:
        if isinstance(v, str) and v.casefold() in strings:
            return True
        return any(p(v) for p in preds)

    return pred


def op_not_in(expected: Any) -> Predicate:
    inside = op_in(expected, "notIn")
    return lambda v: not inside(v)


def op_contains(expected: Any) -> Predicate:
    eq = _scalar_equal(expected)
    if isinstance(expected, str):
        needle: str | None = expected.casefold()
    elif _is_number(expected):
        needle = number_text(expected)
    else:
        needle = None

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


MAX_PATTERN_CHARS = 4096
"""`like`/`match`/`regex` patterns: real ones are under 200 characters; the cap bounds the
time compiling one can take."""


def _need_str(expected: Any, name: str) -> str:
    if not isinstance(expected, str):
        raise OperatorValueError(f"'{name}' needs a string pattern")
    if len(expected) > MAX_PATTERN_CHARS:
        raise OperatorValueError(
            f"'{name}' pattern is {len(expected)} characters long, over the {MAX_PATTERN_CHARS} limit"
        )
    return expected


def _re2_options() -> re2.Options:
    opts = re2.Options()
    opts.log_errors = False  # RE2 would print every bad pattern to stderr; lint reports it
    return opts


def _re2_reason(e: Exception) -> str:
    arg = e.args[0] if e.args else e
    return arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)


def _clip(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def like_matcher(pattern: str) -> Predicate:
    """
    `like`: `*` matches any run of characters; everything else is literal; no case.

    Not a regex: the literal pieces between stars are placed leftmost-first with `str.find`,
    which is exact for `*`-only patterns and linear in the value (a backtracking `.*a.*a…b`
    takes minutes on a few thousand characters).
    """
    parts = pattern.casefold().split("*")
    if len(parts) == 1:
        exact = parts[0]
        return lambda v: isinstance(v, str) and v.casefold() == exact
    head, tail, pieces = parts[0], parts[-1], [p for p in parts[1:-1] if p]
    fixed = len(head) + len(tail)

    def matches(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        s = v.casefold()
        if len(s) < fixed or not s.startswith(head) or not s.endswith(tail):
            return False
        pos, end = len(head), len(s) - len(tail)
        for piece in pieces:
            i = s.find(piece, pos, end)
            if i < 0:
                return False
            pos = i + len(piece)
        return True

    return matches


def match_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """
    `match`: `#` a digit, `?` a letter, `.` any character, everything else literal.

    The translation has no repetition or alternation, so Python's `re` runs it in linear time.
    """
    table = {"#": "[0-9]", "?": "[A-Za-z]", ".": "."}
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(table.get(c, re.escape(c)) for c in pattern), flags)


def _full(regex: re.Pattern[str], negate: bool) -> Predicate:
    if negate:
        return lambda v: isinstance(v, str) and regex.fullmatch(v) is None
    return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None


def op_like(expected: Any) -> Predicate:
    return like_matcher(_need_str(expected, "like"))


def op_not_like(expected: Any) -> Predicate:
    like = like_matcher(_need_str(expected, "notLike"))
    return lambda v: isinstance(v, str) and not like(v)


def op_match(expected: Any) -> Predicate:
    return _full(match_regex(_need_str(expected, "match")), False)


def op_not_match(expected: Any) -> Predicate:
    return _full(match_regex(_need_str(expected, "notMatch")), True)


def op_match_insensitively(expected: Any) -> Predicate:
    return _full(match_regex(_need_str(expected, "matchInsensitively"), ignore_case=True), False)


def op_not_match_insensitively(expected: Any) -> Predicate:
    return _full(match_regex(_need_str(expected, "notMatchInsensitively"), ignore_case=True), True)


def compile_regex(pattern: str) -> Any:
    """
    Compile a `regex` value with RE2 (linear time); raise OperatorValueError with the reason.
    """
    try:
        return re2.compile(pattern, _re2_options())
    except re2.error as e:
        reason = _re2_reason(e)
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        raise OperatorValueError(f"regex {_clip(pattern)!r} does not compile: {reason}") from None
    if not any(k in reason for k in ("invalid escape", "perl operator", "repetition operator")):
        # Valid, but over one of RE2's limits (size, a repetition count above 1000).
        raise OperatorValueError(f"regex {_clip(pattern)!r} cannot be used: {reason} (RE2 limit)")
    # Python accepts it, RE2 does not: a backtracking-only feature.
    raise OperatorValueError(
        f"regex {_clip(pattern)!r} uses a feature RE2 does not support ({reason}): ccscan regexes "
        "use RE2 syntax, without backreferences, lookahead/lookbehind or possessive quantifiers"
    )


_UNANCHORED = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
_NO_MATCH = (-1, -1)


def op_regex(expected: Any) -> Predicate:
    regex = compile_regex(_need_str(expected, "regex"))
    raw = getattr(regex, "_regexp", None)
    if raw is None or _UNANCHORED is None:
        return lambda v: isinstance(v, str) and regex.search(v) is not None

    # google-re2's `search` builds a Match with str offsets (~8 µs); asking the compiled RE2
    # whether there is a match at all is ~5x cheaper. "surrogatepass": JSON may carry lone
    # surrogates, which RE2 then sees as bytes that match no character.
    def search(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        data = v.encode("utf-8", "surrogatepass")
        return raw.Match(_UNANCHORED, data, 0, len(data))[0] != _NO_MATCH

    return search


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


_TLS_VERSION = re.compile(
    r"""
    (?:tls\s*v?[\s_.-]?)?                # TLS, TLSv, TLS_, TLS-, "TLS " (or nothing)
    (?P<major>1)                           # every TLS version is 1.x
    (?:\.(?P<minor>[0-9])                 # 1.2
       (?:\.(?P<patch>[0-9]{1,2}))?       # 1.2.0
     | [_-](?P<spelled>[0-9])              # 1_2, 1-2
     | (?P<glued>[0-9]))?                  # 12 (never 12.0: that reads as version 12)
    (?:_(?:19|20)[0-9][0-9])?              # CloudFront's dated names: TLSv1.2_2021
    """,
    re.IGNORECASE | re.VERBOSE,
)


def parse_version(value: Any) -> tuple[int, ...] | None:
    """
    Read a TLS version: "1.2", "TLS1_2", "TLSv1.2", "Tls12", "TLS 1.3", "TLSv1.2_2021", 1.2 → (1, 2, 0).

    Two glued digits ("TLS12", "Tls13") mean major.minor, as Azure and AWS spell them. Anything
    else is None, never a guess: "SSLv3", "SSL2.0", "2016" (from ELBSecurityPolicy-2016-08),
    "1.2-beta" or "v2" would otherwise read as versions and could pass a TLS floor.
    """
    if _is_number(value):
        value = repr(value) if isinstance(value, float) else str(value)
    if not isinstance(value, str) or len(value) > 64:
        return None
    m = _TLS_VERSION.fullmatch(value.strip())
    if not m:
        return None
    minor = m.group("minor") or m.group("spelled") or m.group("glued") or 0
    return (1, int(minor), int(m.group("patch") or 0))


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
