"""
Field paths: what parses, what is refused (and where), and what the getters return.
"""

from __future__ import annotations

import pytest

from scanner.policy.paths import (
    EACH,
    MISSING,
    FieldPath,
    NotAnArray,
    PathSyntaxError,
    getter,
    multi_getter,
    parse_path,
    split_prefix,
    steps_text,
)


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("a", ("a",)),
        ("a.b.c", ("a", "b", "c")),
        ("a[*].b", ("a", EACH, "b")),
        ("a[0]", ("a", 0)),
        ("a[12].b", ("a", 12, "b")),
        ("tags['cost.center']", ("tags", "cost.center")),
        ("tags['']", ("tags", "")),
        ("['x'].y", ("x", "y")),
        ("a[*][*]", ("a", EACH, EACH)),
        ("a['b'].c", ("a", "b", "c")),
        ("a-b_c:d", ("a-b_c:d",)),
    ],
)
def test_parses(text, steps):
    p = parse_path(text)
    assert p == FieldPath(text, steps)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a field path must be a non-empty string"),
        ("   ", "a field path must be a non-empty string"),
        (None, "a field path must be a non-empty string"),
        (5, "a field path must be a non-empty string"),
        ("a..b", "bad field path 'a..b': empty segment"),
        (".a", "bad field path '.a': empty segment"),
        ("a.", "bad field path 'a.': ends with '.'"),
        ("[0]", "bad field path '[0]': '[0]' needs a name before it"),
        ("[*].a", "bad field path '[*].a': '[*]' needs a name before it"),
        ("a[0]b", "bad field path 'a[0]b': missing '.' before 'b'"),
        ("a[x]", "bad field path 'a[x]' at character 2"),
        ("a]", "bad field path 'a]' at character 2"),
        ("a[-1]", "bad field path 'a[-1]' at character 2"),
        ("a.b'", "bad field path \"a.b'\" at character 4"),
    ],
)
def test_refuses(text, message):
    with pytest.raises(PathSyntaxError) as e:
        parse_path(text)
    assert str(e.value) == message


def test_quoted_key_after_a_key_needs_no_dot():
    assert parse_path("a['b']").steps == ("a", "b")


def test_has_each_and_last_key():
    assert parse_path("a[*].b").has_each is True
    assert parse_path("a.b").has_each is False
    assert parse_path("a[*].b[0]").last_key == "b"
    assert parse_path("a[0]").last_key == "a"
    assert FieldPath("", (0, EACH)).last_key is None


def get(text, doc):
    p = parse_path(text)
    return (multi_getter if p.has_each else getter)(p.steps)(doc)


DOC = {
    "a": {"b": 1, "Mixed": 2, "n": None, "l": [10, None, {"k": "v"}], "f": False, "z": 0},
    "arr": [{"x": 1}, {"y": 2}, {"x": None}, 5],
    "nest": [{"in": [1, 2]}, {"in": [3]}, {"out": 1}, {"in": None}],
    "plain": [1, None, 3],
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a.b", 1),
        ("A.B", 1),  # a miss retries without case
        ("a.mixed", 2),
        ("a.MIXED", 2),
        ("a.f", False),  # falsy values are values
        ("a.z", 0),
        ("a.n", MISSING),  # JSON null is absent
        ("a.nope", MISSING),
        ("a.b.c", MISSING),  # through a scalar
        ("a.l.k", MISSING),  # a key into a list
        ("a.l[0]", 10),
        ("a.l[1]", MISSING),
        ("a.l[2].k", "v"),
        ("a.l[2].K", "v"),
        ("a.l[3]", MISSING),
        ("x", MISSING),
    ],
)
def test_getter(text, value):
    assert get(text, DOC) is value if value is MISSING else get(text, DOC) == value


def test_getter_on_a_non_mapping_document():
    assert getter(("a",))(None) is MISSING
    assert getter(("a",))([1]) is MISSING
    assert getter(("a",))("text") is MISSING
    assert getter(("a", 0))(None) is MISSING
    assert getter(())({"a": 1}) == {"a": 1}


def test_case_insensitive_lookup_skips_non_string_keys():
    assert getter(("1",))({1: "x"}) is MISSING
    assert getter(("a",))({1: "x", "A": "y"}) == "y"
    assert getter(("a", 0))({1: "x", "A": ["y"]}) == "y"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("arr[*].x", [1, MISSING, MISSING, MISSING]),
        ("plain[*]", [1, MISSING, 3]),
        ("nest[*].in[*]", [1, 2, 3]),  # nested [*] flattens; absent inner arrays add nothing
        ("a.l[*]", [10, MISSING, {"k": "v"}]),
        ("none[*]", MISSING),
        ("a.n[*]", MISSING),
        ("arr[*]", [{"x": 1}, {"y": 2}, {"x": None}, 5]),
    ],
)
def test_multi_getter(text, value):
    assert get(text, DOC) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.b[0]", "a.b is a number, not an array"),
        ("a[0]", "a is an object, not an array"),  # an index into a dict
        ("a.b[*]", "a.b is a number, not an array"),
        ("a.f[*]", "a.f is a boolean, not an array"),
        ("a.l[2].k[*]", "a.l[2].k is a string, not an array"),
        ("arr[*].x[*]", "arr[*].x is a number, not an array"),  # names the element's path
        ("arr[*].x[0]", "arr[*].x is a number, not an array"),
        ("a[*]", "a is an object, not an array"),
    ],
)
def test_an_array_step_over_a_present_non_array_raises(text, message):
    # A present value of the wrong shape is not "no elements": the engine makes it unknown.
    with pytest.raises(NotAnArray) as e:
        get(text, DOC)
    assert str(e.value) == message


def test_multi_getter_case_insensitive_head_and_tail():
    assert get("ARR[*].X", DOC) == [1, MISSING, MISSING, MISSING]


def test_split_prefix():
    assert split_prefix(parse_path("a.b[*].c")) == (("a", "b"), ("c",))
    assert split_prefix(parse_path("a[*]")) == (("a",), ())
    assert split_prefix(parse_path("a[*].b[*].c")) == (("a",), ("b", EACH, "c"))


def test_missing_is_distinct_and_named():
    assert repr(MISSING) == "<missing>"
    assert MISSING is not None and MISSING != 0


def test_exact_key_wins_over_a_case_variant_on_every_kind_of_path():
    doc = {"x": [{"A": 1, "a": 2, "n": None}], "A": {"k": 1}, "a": {"k": 2}}
    assert get("x[0].a", doc) == 2
    assert get("x[0].A", doc) == 1
    assert get("a.k", doc) == 2
    assert get("x[*].a", doc) == [2]
    assert get("x[0].n", doc) is MISSING  # JSON null after an index step is absent too
    assert get("x[*].n", doc) == [MISSING]


def test_path_length_and_step_limits():
    assert len(parse_path("a" * 1024).steps) == 1  # at the character cap
    with pytest.raises(PathSyntaxError) as e:
        parse_path("a" * 1025)
    assert str(e.value) == "field path is 1025 characters long, over the 1024 limit"
    assert len(parse_path(".".join(["a"] * 32)).steps) == 32
    with pytest.raises(PathSyntaxError) as e:
        parse_path(".".join(["k"] * 33))
    assert str(e.value) == "field path " + repr("k." * 30) + "... has more than 32 segments"
    assert len(parse_path("a" + "[0]" * 31).steps) == 32
    with pytest.raises(PathSyntaxError, match="more than 32 segments"):
        parse_path("a" + "[*]" * 32)


def test_steps_text_and_not_an_array_fields():
    assert steps_text(("a", EACH, "b", 0)) == "a[*].b[0]"
    assert steps_text((EACH,)) == "[*]"
    assert steps_text(("cost.center", "x y")) == "['cost.center'].x y"
    assert steps_text(("a", "b.c")) == "a['b.c']"
    assert steps_text(()) == "(the element)"  # `[*]` over an element that is itself a value
    e = NotAnArray(("a", 0), True)
    assert (e.path, e.observed_type, str(e)) == ("a[0]", "a boolean", "a[0] is a boolean, not an array")
    assert NotAnArray(("a",), 1.5).observed_type == "a number"
    assert NotAnArray(("a",), b"x").observed_type == "bytes"  # not a JSON type: its Python name


def test_four_key_paths_retry_without_case_and_read_null_as_absent():
    # Four keys: the unrolled subscript's own branch (a miss falls back to the key walk).
    get = getter(parse_path("a.b.c.d").steps)
    assert get({"a": {"b": {"c": {"D": 5}}}}) == 5
    assert get({"a": {"b": {"c": {"d": None}}}}) is MISSING
    assert get({"a": {"b": {"c": {"d": 0}}}}) == 0
