"""
The sanitising stage's inner pieces at their edges: the rule tables built at import, the
replaced-part finder and the message scrubber, with the exact output each must give.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
from types import ModuleType

from scanner.findings import Evidence, Finding
from scanner.sanitise.stage import WITHHELD, Sanitiser, _common, _replaced_strings, _scrub
from scanner.sanitise.text import holds_secret, sanitise_text
from scanner.sanitise.values import TOO_DEEP, sanitise_document


def m(value: str) -> str:
    # An independent oracle for the marker: the documented layout over hashlib.
    return f"[REDACTED sha256:{hashlib.sha256(value.encode()).hexdigest()[:16]}]"


def fresh(name: str) -> ModuleType:
    """
    Execute module `name` again, under its own name, without replacing the imported one.

    RULES and the replacers are built once at import; running the module body again is
    how a test sees a change to the functions that build them.
    """
    import sys

    spec = importlib.util.spec_from_file_location(name, sys.modules[name].__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rule_table_as_built_at_import():
    patterns = fresh("scanner.sanitise.patterns")
    assert [r.name for r in patterns.RULES] == [
        "private key", "shared access signature", "named secret", "sas signature",
        "url credentials", "authorization header", "bearer or basic credential",
        "aws secret key beside its id", "aws access key id", "azure storage key", "jwt",
        "openai, anthropic and other sk- keys", "stripe", "github", "gitlab", "slack token",
        "slack webhook", "google api key", "sendgrid", "npm", "pypi", "hugging face"]
    # `s` is the only capturing group of every rule.
    assert {r.group for r in patterns.RULES} == {1}
    by_name = {r.name: r for r in patterns.RULES}
    assert by_name["bearer or basic credential"].triggers == ("bearer", "basic")
    assert by_name["aws access key id"].triggers == ("a3t", "akia", "asia", "abia", "acca")
    assert by_name["private key"].triggers == ("-----begin",)
    assert by_name["gitlab"].regex.search("x glpat-abcdefghijklmnopqrstu y").group(1) == (
        "glpat-abcdefghijklmnopqrstu")


def test_the_replacers_as_built_at_import():
    text = fresh("scanner.sanitise.text")
    apply = text._apply_rules
    # Only the secret part of a match is replaced, wherever the match starts.
    assert apply("a;Password=hunter22;b") == f"a;Password={m('hunter22')};b"
    assert apply("Password=hunter22") == f"Password={m('hunter22')}"
    assert apply("x Authorization: Bearer abcdefgh12345678") == (
        f"x Authorization: {m('Bearer abcdefgh12345678')}")
    # A flag's word and an already replaced value stay as they are.
    assert apply("token=true; secret=False") == "token=true; secret=False"
    marked = f"Password={m('hunter22')}"
    assert apply(marked) == marked
    # An empty secret part: nothing to replace.
    assert apply("password=;x") == "password=;x"
    assert text.sanitise_text("see https://u:pa55word@host/x") == (
        f"see https://u:{m('pa55word')}@host/x")


def test_replaced_strings_finds_only_the_changed_part():
    assert _replaced_strings("Server=db;Password=hunter22;x",
                             f"Server=db;Password={m('hunter22')};x") == ["hunter22"]
    assert _replaced_strings("secretvalue1", m("secretvalue1")) == ["secretvalue1"]
    assert _replaced_strings({"k": "secretvalue1", "n": 1}, {"k": m("secretvalue1"), "n": 1}) == [
        "secretvalue1"]
    token = "ghp_" + "a" * 36
    assert _replaced_strings({token: 1}, {m(token): 1}) == [token]  # a key that is a token
    assert _replaced_strings(["a", "bbbbbbbbbb"], ["a", m("bbbbbbbbbb")]) == ["bbbbbbbbbb"]
    assert _replaced_strings(("a", "b1"), ["a", m("b1")]) == ["b1"]
    assert _replaced_strings([["x", "deep-secret"]], [["x", m("deep-secret")]]) == ["deep-secret"]
    assert _replaced_strings(5, 5) == []
    assert _replaced_strings("same", "same") == []
    assert _replaced_strings(12345678, m("12345678")) == ["12345678"]
    # A subtree cut for depth: nothing of it was quoted.
    assert _replaced_strings({"a": "x"}, TOO_DEEP) == []
    assert _replaced_strings(["a", "x"], TOO_DEEP) == []
    assert _replaced_strings(("a",), ("a",)) == []


def test_replaced_strings_keeps_a_changed_part_between_equal_ends():
    # Prefix "ab" and suffix "yz" are shared; the middle is what was replaced.
    assert _replaced_strings("abXXXXyz", "abMyz") == ["XXXX"]
    # The common suffix may not overlap the common prefix.
    assert _replaced_strings("aaaa", "aa") == ["aa"]
    assert _replaced_strings("aa", "aaaa") == [""]


def test_common_prefix_and_suffix():
    prefix = lambda t, n: t[:n]
    suffix = lambda t, n: t[len(t) - n:]
    assert _common("abcdef", "abcxef", prefix) == 3
    assert _common("abcdef", "abcxef", suffix) == 2
    assert _common("abcdef", "abcdef", prefix) == 6
    assert _common("abcdef", "abcdef", suffix, 2) == 2
    assert _common("abc", "xbc", prefix) == 0
    assert _common("abcdefgh", "abcdefgX", prefix) == 7
    assert _common("", "abc", prefix) == 0


def test_scrub_replaces_each_value_longest_first():
    assert _scrub("a abc b", ["abc"]) == "a abc b"  # under 4 characters: ordinary words
    assert _scrub("x abcd y", ["abcd"]) == f"x {m('abcd')} y"
    assert _scrub("x abcdefgh y", ["abcd", "abcdefgh"]) == f"x {m('abcdefgh')} y"
    assert _scrub("x abcd abcd y", ["abcd", "abcd"]) == f"x {m('abcd')} {m('abcd')} y"
    # repr() quotes a newline as \n: that spelling is scrubbed too.
    assert _scrub("got 'pass\\nword1'", ["pass\nword1"]) == f"got '{m('pass' + chr(10) + 'word1')}'"
    assert _scrub("nothing here", ["abcdefghij"]) == "nothing here"


def test_scrub_withholds_a_message_with_a_cut_quote():
    assert _scrub("saw 'abcdefgh...'", ["abcdefghijkl"]) == WITHHELD
    assert _scrub("saw 'abcdefg...'", ["abcdefghijkl"]) == "saw 'abcdefg...'"  # 7: not a quote
    assert _scrub("saw 'abcdefg'", ["abcdefg"]) == f"saw '{m('abcdefg')}'"


def test_sanitiser_text_and_document():
    s = Sanitiser()
    assert s.text("Password=hunter22") == f"Password={m('hunter22')}"
    assert s.text("short") == "short"
    assert s.document({"properties": {"adminPassword": "hunter22", "size": "big"}}) == {
        "properties": {"adminPassword": m("hunter22"), "size": "big"}}


def nested(levels: int) -> dict:
    doc: dict = {"x": 1}
    for _ in range(levels):
        doc = {"a": doc}
    return doc


def test_a_document_is_cut_at_depth_100_counting_from_its_top():
    # {"x": 1} 99 levels below the document is kept; 100 levels below, it is cut.
    assert sanitise_document(nested(99)) == nested(99)
    cut = sanitise_document(nested(100))
    for _ in range(99):
        cut = cut["a"]
    assert cut == {"a": TOO_DEEP}


def test_base64_is_replaced_only_when_it_decodes_to_a_secret():
    plain = base64.b64encode(b"just an ordinary sentence, nothing to hide").decode()
    assert sanitise_text(f"blob {plain}") == f"blob {plain}"
    secret = base64.b64encode(b"Server=db;Password=hunter22secret").decode()
    assert sanitise_text(f"blob {secret}") == f"blob {m(secret)}"
    assert holds_secret("Password=hunter22") is True
    assert holds_secret("an ordinary sentence") is False


def test_a_secret_subtree_is_cut_at_the_same_depth():
    # Under a secret name every level is judged secret; the depth count is the same.
    kept = sanitise_document({"secret": nested(98)})["secret"]
    for _ in range(98):
        kept = kept["a"]
    assert kept == {"x": m("1")}
    cut = sanitise_document({"secret": nested(99)})["secret"]
    for _ in range(98):
        cut = cut["a"]
    assert cut == {"a": TOO_DEEP}


def test_scrub_replaces_the_longer_value_before_one_inside_it():
    # By length, not by text: "zzzz" sorts after "abzzzzcd" but lies inside it.
    assert _scrub("x abzzzzcd y", ["zzzz", "abzzzzcd"]) == f"x {m('abzzzzcd')} y"


def test_a_failure_message_is_rebuilt_after_the_first_observed():
    # The evidence itself says "; observed ": only the policy's own text is kept before it.
    value = "Password=hunter22; observed twice"
    ev = (Evidence("properties.note", value, True),)
    f = Finding(id="f", policy_id="P-1", title="t", severity="low", status="fail",
                message=f"expected x equals 1; observed properties.note={value!r}",
                resource={"id": "/r", "name": "r", "type": "t/x"}, evidence=ev)
    out = Sanitiser().finding(f)
    clean = f"Password={m('hunter22')}; observed twice"  # the secret ends at ';'
    assert out.evidence == (Evidence("properties.note", clean, True),)
    assert out.message == f"expected x equals 1; observed properties.note={clean!r}"


def fail_finding(evidence, resource=None, message="expected x; observed y") -> Finding:
    return Finding(id="f", policy_id="P-1", title="t", severity="low", status="fail",
                   message=message, resource=resource or {"id": "/s/r/site1", "name": "site1"},
                   evidence=tuple(evidence))


def test_evidence_counts_and_flags_are_never_secrets_but_numbers_under_secret_names_are():
    ev = [Evidence("count(properties.password[*])", 2, True),
          Evidence("properties.password", 2, True),
          Evidence("properties.passwordEnabled", True, True),
          Evidence("properties.secret", None, False),
          Evidence("properties.size", "big", True)]
    out = Sanitiser().finding(fail_finding(ev))
    assert out.evidence == (Evidence("count(properties.password[*])", 2, True),
                            Evidence("properties.password", m("2"), True),
                            Evidence("properties.passwordEnabled", True, True),
                            Evidence("properties.secret", None, False),
                            Evidence("properties.size", "big", True))
    assert out.message == f"expected x; observed count(properties.password[*])=2; " \
                          f"properties.password={m('2')!r}; properties.passwordEnabled=True; " \
                          f"properties.secret is absent; properties.size='big'"


def test_a_clean_finding_comes_back_as_the_same_object():
    f = fail_finding([Evidence("properties.size", "big", True), Evidence("count(a[*])", 3, True)])
    assert Sanitiser().finding(f) is f


def test_identity_names_and_ids():
    s = Sanitiser()
    plain = {"id": "/s/r/site1", "name": "site1", "type": "t/x", "n": 5}
    out = s.finding(fail_finding([], resource=plain))
    assert out.resource is plain
    token = "ghp_" + "a" * 36
    odd = {"id": f"/s/r/{token}", "name": token, "type": "t/x"}
    out = s.finding(fail_finding([], resource=odd))
    assert out.resource == {"id": f"/s/r/{m(token)}", "name": m(token), "type": "t/x"}
    assert s.finding(fail_finding([], resource=odd)).resource is out.resource  # cleaned once
    # A name the id does not vouch for (not part of it) is judged on its own.
    other = {"id": "/s/r/site1", "name": token}
    assert s.finding(fail_finding([], resource=other)).resource == {"id": "/s/r/site1",
                                                                    "name": m(token)}


def test_decoding_a_run_at_its_boundaries():
    from scanner.sanitise.text import _base64_pass, _decodes_to_secret

    pw16 = "UGFzc3dvcmQ9aHVudGVyMg"  # base64 of "Password=hunter2", padding stripped (22)
    assert _decodes_to_secret(pw16) is True
    # One separator per twelve characters is still base64: 2 x 12 = 24 = the run's length.
    assert _decodes_to_secret("//" + pw16) is True
    assert _decodes_to_secret("///" + pw16) is False  # an identifier, not encoded text
    assert _decodes_to_secret("-_" + pw16) is True  # URL-safe sextets count the same
    assert _decodes_to_secret("-_-" + pw16) is False
    # 16 characters (12 bytes) is the shortest chunk decoded.
    assert _decodes_to_secret("UGFzc3dvcmQ9YWJj") is True  # "Password=abc"
    assert _decodes_to_secret("AUGFzc3dvcmQ9YWJj") is True  # found at the second alignment
    plain = "anVzdCBhbiBvcmRpbmFyeSBzZW50ZW5jZQ"  # "just an ordinary sentence"
    assert _decodes_to_secret(plain) is False
    text = f"a {pw16}== b {plain} c {pw16}"
    assert _base64_pass(text) == f"a {m(pw16 + '==')} b {plain} c {m(pw16)}"
    assert _base64_pass(f"only {plain}") == f"only {plain}"


def listed(levels: int) -> list:
    value: list = [1]
    for _ in range(levels - 1):
        value = [value]
    return value


def test_value_rules_one_by_one():
    from scanner.sanitise.values import sanitise_value as sv

    assert sv("hunter22", "password") == m("hunter22")
    assert sv("2024-05-01T10:00:00Z", "password") == "2024-05-01T10:00:00Z"  # a timestamp
    assert sv("", "password") == ""
    assert sv(m("x"), "password") == m("x")  # already replaced: not marked twice
    assert sv(1.5, "password") == m("1.5")
    assert sv(1.5, "size") == 1.5
    assert sv(7, None) == 7
    assert sv(None, "password") is None and sv(False, "password") is False
    assert sv(("a", "b"), "password") == [m("a"), m("b")]  # tuples come out as lists
    assert sv(b"xy", "password") == m("b'xy'")  # an odd type under a secret name
    token = "ghp_" + "a" * 36
    assert sv(b"ghp_" + b"a" * 36, None) == f"b'{m(token)}'"  # shown as its text
    odd = complex(1, 2)
    assert sv(odd, None) is odd  # clean: kept as it is
    assert sv("hunter22", "tags.DB_PASS") == m("hunter22")
    assert sv("prod", "tags.env") == "prod"
    assert sv("abc12345", "properties.siteConfig.appSettings[0].value") == m("abc12345")
    assert sv("abc12345", "properties.secrets[0].data") == m("abc12345")
    assert sv("abc12345", "properties.size") == "abc12345"


def test_lists_are_cut_at_depth_100():
    from scanner.sanitise.values import sanitise_value as sv

    assert sv(listed(100), None) == listed(100)
    cut = sv(listed(101), None)
    for _ in range(99):
        cut = cut[0]
    assert cut == [TOO_DEEP]


def test_a_user_named_map_below_a_secret_keeps_its_name():
    # `tags` under a secret: its entries are judged as user-chosen names, even ones that
    # read as safe field names elsewhere (`secretCount`).
    assert sanitise_document({"tags": {"secretCount": 5}}) == {"tags": {"secretCount": m("5")}}
    assert sanitise_document({"secrets": {"tags": {"secretCount": 5}}}) == {
        "secrets": {"tags": {"secretCount": m("5")}}}
    assert sanitise_document({"properties": {"secretCount": 5}}) == {"properties": {"secretCount": 5}}


GATE_TEXTS = ("", "plain text", "token", "x-token=1", "ü password é", "api_key: v", "nothing here",
              "Bearer abc", "sig=abc", "-----BEGIN")


def test_the_trigger_gate_calls_re2_directly_when_the_binding_answers_as_search_does():
    from scanner.sanitise import text

    gate = text._gate_search()
    assert gate.__name__ == "hit"  # the direct call, not the fallback: the probe passed
    assert [gate(t) for t in GATE_TEXTS] == [text._GATE.search(t) is not None for t in GATE_TEXTS]
    assert gate("token") is True and gate("plain text") is False


def test_the_trigger_gate_falls_back_to_search_when_the_binding_differs(monkeypatch):
    from scanner.sanitise import text

    class Renamed:  # a google-re2 release without the internals the direct call uses
        search = text._GATE.search

    monkeypatch.setattr(text, "_GATE", Renamed())
    gate = text._gate_search()
    assert gate.__name__ == "<lambda>"
    assert [gate(t) for t in GATE_TEXTS] == [Renamed.search(t) is not None for t in GATE_TEXTS]
    assert gate("x-token=1") is True and gate("") is False
