"""
orjson (the `fast` extra) and json (the core install) read every inventory alike: the same
documents, and for the same bad input the same InputError with the same file and line.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scanner.errors import InputError
from scanner.inventory import jsonparse
from scanner.inventory.files import InventoryFile

SITE = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a"


@pytest.fixture(params=["orjson", "json"])
def parser(request, monkeypatch):
    """Run the test with orjson, then again as a core install without it."""
    if request.param == "json":
        monkeypatch.setattr(jsonparse, "_fast", None)
    else:
        pytest.importorskip("orjson")
        assert jsonparse._fast is not None
    return request.param


def read(tmp_path, text: bytes | str, name="inv.json"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p, [r.doc for r in InventoryFile(p)]


def error(tmp_path, text, name="inv.json"):
    with pytest.raises(InputError) as err:
        read(tmp_path, text, name)
    assert err.value.path == str(tmp_path / name)
    return err.value


def resource(value: str) -> str:
    """A one-resource ARM list whose property `v` is the raw JSON `value`, on line 4."""
    return f'{{"value": [\n{{"id": "{SITE}", "type": "Microsoft.Web/sites",\n "properties":\n  {{"v": {value}}}}}]}}'


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("NaN", "NaN is not a JSON number"),
        ("Infinity", "Infinity is not a JSON number"),
        ("[1, -Infinity]", "-Infinity is not a JSON number"),
        ("1e400", "too large for a double"),
        ("1" * 400, "too large for a double"),
        ("1" * 5000, "too large for a double"),  # json alone would stop at 4300 digits
        ('"\\ud800"', "lone UTF-16 surrogate"),
        ('"x\\udc00y"', "lone UTF-16 surrogate"),
        ('{"\\ud83d": 1}', "lone UTF-16 surrogate"),
        ('"\\ud800\\ud800"', "lone UTF-16 surrogate"),
        ('"a\x01b"', "nvalid control character"),
    ],
)
def test_refused_values_give_the_same_error_and_line_with_both_parsers(tmp_path, parser, value, words):
    err = error(tmp_path, resource(value))
    assert words in err.message
    assert err.line == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("18446744073709551615", 18446744073709551615),  # the largest 64-bit integers stay exact
        ("-9223372036854775808", -9223372036854775808),
        ("18446744073709551616", 1.8446744073709552e19),  # beyond: the nearest float
        ("-9223372036854775809", -9.223372036854776e18),
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ('"\\ud83d\\ude00"', "\U0001f600"),  # a surrogate pair is one character
        ('"\\\\ud800"', "\\ud800"),  # an escaped backslash, then text: no surrogate
        ('"\\/"', "/"),
        ("1e-400", 0.0),
    ],
)
def test_accepted_values_read_the_same_with_both_parsers(tmp_path, parser, value, expected):
    _, docs = read(tmp_path, resource(value))
    got = docs[0]["properties"]["v"]
    assert got == expected and type(got) is type(expected)


def test_a_duplicate_key_keeps_its_last_value_with_both_parsers(tmp_path, parser):
    _, docs = read(tmp_path, resource('{"httpsOnly": false, "httpsOnly": true}'))
    assert docs[0]["properties"]["v"] == {"httpsOnly": True}


def test_a_byte_order_mark_is_allowed_with_both_parsers(tmp_path, parser):
    _, docs = read(tmp_path, b"\xef\xbb\xbf" + resource("1").encode())
    assert docs[0]["properties"]["v"] == 1
    _, docs = read(tmp_path, b"\xef\xbb\xbf" + json.dumps({"id": SITE, "type": "t"}).encode() + b"\n",
                   "inv.jsonl")
    assert docs[0]["id"] == SITE


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [jsonparse.MAX_DEPTH - 3, 1023, 1100, 5000, 100_000])
def test_nesting_past_the_limit_is_one_input_error_with_both_parsers(tmp_path, parser, depth):
    # The resource itself sits 3 levels down (list, object, properties, v): 3 + depth levels.
    err = error(tmp_path, resource(nested(depth)))
    assert err.message == f"invalid JSON: nested deeper than {jsonparse.MAX_DEPTH} levels (arrays/objects)"
    assert err.line == 4


def test_nesting_up_to_the_limit_is_read(tmp_path, parser):
    _, docs = read(tmp_path, resource(nested(jsonparse.MAX_DEPTH - 4)))
    v = docs[0]["properties"]["v"]
    depth = 0
    while isinstance(v, list):
        v, depth = (v[0] if v else None), depth + 1
    assert depth == jsonparse.MAX_DEPTH - 4


def test_deep_jsonl_records_name_their_line(tmp_path, parser):
    good = json.dumps({"id": SITE, "type": "t"})
    deep = '{"id": "x", "type": "t", "properties": ' + nested(2000) + "}"
    err = error(tmp_path, good + "\n" + deep + "\n", "inv.jsonl")
    assert "nested deeper than" in err.message and err.line == 2


def config(depth: int) -> str:
    """An AWS Config item whose canonical doc is `depth` levels deep (doc, properties, a, ...)."""
    inner = json.loads(nested(depth - 2))
    return json.dumps([{"resourceType": "AWS::EC2::Instance", "resourceId": "i-1",
                        "configuration": json.dumps({"a": inner})}])


def test_aws_config_strings_count_towards_the_depth_limit(tmp_path, parser):
    _, docs = read(tmp_path, config(jsonparse.MAX_DEPTH))
    assert docs[0]["properties"]["A"]
    err = error(tmp_path, config(jsonparse.MAX_DEPTH + 1))
    assert "resource #1: configuration is a string but not JSON (nested deeper than" in err.message


# Any JSON value, with the awkward parts (lone surrogates, NaN/Infinity, huge numbers) in.
_awkward = st.recursive(
    st.none() | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70) | st.floats()
    | st.text(st.characters(codec=None, categories=["Cs", "Ll", "Nd", "Zs", "Cc"]), max_size=4),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3),
    max_leaves=10,
)


def paired(s: str) -> str:
    """`s` as JSON reads it back: json.dumps writes a high+low surrogate as a valid pair."""
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def problems(value) -> set[str]:
    """The rules `value` breaks (written out by hand, not with the code under test)."""
    if isinstance(value, float):
        return set() if math.isfinite(value) else {"number"}
    if isinstance(value, str):
        lone = any("\ud800" <= c <= "\udfff" for c in paired(value))
        return {"surrogate"} if lone else set()
    if isinstance(value, list):
        return set().union(*map(problems, value))
    if isinstance(value, dict):
        return set().union(*map(problems, value), *map(problems, value.values()))
    return set()


def converted(value):
    """`value` as the rules read it back: integers beyond 64 bits become floats."""
    if isinstance(value, int) and not isinstance(value, bool) and not (-(2**63) <= value < 2**64):
        return float(value)
    if isinstance(value, str):
        return paired(value)
    if isinstance(value, list):
        return [converted(v) for v in value]
    if isinstance(value, dict):
        return {paired(k): converted(v) for k, v in value.items()}
    return value


@given(_awkward)
@example("\ud800\udc00")  # a high and a low surrogate side by side are a valid pair
@example(["\udc00\ud800"])  # the wrong way round: two lone ones
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_both_parsers_agree_with_the_rules_on_any_value(tmp_path, monkeypatch, value):
    text = json.dumps({"id": SITE, "type": "t", "properties": {"v": value}}, indent=1)
    broken = problems(value)
    outcomes = []
    for fast in (jsonparse._fast, None):
        monkeypatch.setattr(jsonparse, "_fast", fast)
        try:
            _, docs = read(tmp_path, text)
            outcomes.append(("ok", docs[0]["properties"]["v"]))
        except InputError as e:
            outcomes.append(("error", e.message, e.line))
    monkeypatch.undo()
    assert outcomes[0] == outcomes[1]
    if "number" in broken:  # numbers are refused while parsing, surrogates after it
        assert outcomes[0][0] == "error" and "not a JSON number" in outcomes[0][1]
    elif broken:
        assert outcomes[0][0] == "error" and "lone UTF-16 surrogate" in outcomes[0][1]
    else:
        assert outcomes[0] == ("ok", converted(value))
