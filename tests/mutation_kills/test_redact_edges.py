"""
Redaction rules one at a time, with the exact output each must give.

These pin behaviour (what is hidden, what is kept as evidence), not the module: they carry
over to the sanitising stage that will own redaction.
"""

from __future__ import annotations

import hashlib

import pytest

from scanner.sanitise import is_secret_name, mark
from scanner.sanitise import sanitise_document as redact_document
from scanner.sanitise import sanitise_text as redact_text
from scanner.sanitise import sanitise_value as redact
from scanner.sanitise.values import path_context


def path_has_secret_parent(path: str) -> bool:
    # The rules moved from scanner/redact.py to the sanitising stage; the edges stay pinned.
    return path_context(path)[1]


def m(value: str) -> str:
    # An independent oracle for the marker: the documented layout over hashlib.
    return f"[REDACTED sha256:{hashlib.sha256(value.encode()).hexdigest()[:16]}]"


def test_mark_format():
    assert mark("abc") == "[REDACTED sha256:ba7816bf8f01cfea]"
    assert mark(12345) == m("12345")
    assert mark("\ud800") == "[REDACTED sha256:" + hashlib.sha256(
        "\ud800".encode("utf-8", "surrogatepass")).hexdigest()[:16] + "]"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True), ("Pass-Word", True), ("pass_word", True), ("PASS.WORD", True),
        ("passwd", True), ("passphrase", True), ("clientSecret", True), ("token", True),
        ("credential", True), ("connectionString", True), ("connStr", True), ("sasToken", True),
        ("signature", True), ("privateKey", True), ("accountKey", True), ("accessKey", True),
        ("apiKey", True), ("sharedKey", True), ("masterKey", True), ("primaryKey", True),
        ("secondaryKey", True), ("subscriptionKey", True), ("instrumentationKey", True),
        ("signingKey", True), ("clientKey", True), ("encryptionKey", True), ("sig", True),
        ("pwd", True), ("key1", True), ("key22", True), ("pass", True),
        ("key", False), ("keys", True), ("signed", False), ("pwds", False), ("passes", False),
        ("xsig", False), ("sigs", False), ("key1x", False), ("mykey1", False),
        ("passwordEnabled", False), ("tokenStoreEnabled", False), ("secretName", False),
        ("secretUri", False), ("keyVaultSecretId", False), ("secretType", False),
        ("passwordPolicy", False), ("tokenLifetime", False), ("accessKeyState", False),
        ("credentialExpiresAt", False), ("HttpTokens", False), ("secretsCount", False),
        ("name", False), ("location", False),
    ],
)
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("short=1", "short=1"),  # under 8 characters: never a secret
        ("no marker chars at all", "no marker chars at all"),
        ("Password=hunter2", "Password=" + m("hunter2")),
        ("password = hunter2;rest", "password = " + m("hunter2") + ";rest"),
        ("Pwd=abc def ;x", "Pwd=" + m("abc def") + " ;x"),
        ("AccountKey=k3y==;Suffix=x", "AccountKey=" + m("k3y==") + ";Suffix=x"),
        ("SharedAccessSignature=sv=1&sig=abc", "SharedAccessSignature=" + m("sv=1&sig=abc")),
        ("https://h/c?sv=1&sig=S1G&se=2", "https://h/c?sv=1&sig=" + m("S1G") + "&se=2"),
        ("sig=S1Gvalue", "sig=" + m("S1Gvalue")),
        ("nosig=S1Gvalue", "nosig=S1Gvalue"),  # `sig=` must start a parameter
        ("Token=", "Token="),  # nothing to hide
        ("token=[REDACTED sha256:0123456789abcdef]", "token=[REDACTED sha256:0123456789abcdef]"),
        ("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
         "-----BEGIN PRIVATE KEY-----" + m("\nMIIB\n") + "-----END PRIVATE KEY-----"),
        ("-----BEGIN EC PRIVATE KEY-----\ncut off",
         "-----BEGIN EC PRIVATE KEY-----" + m("\ncut off")),
        ("-----BEGIN PUBLIC KEY-----\nMIIB\n", "-----BEGIN PUBLIC KEY-----\nMIIB\n"),
        ("key sk-abcdefghijklmnopqrstuvwx end", "key " + m("sk-abcdefghijklmnopqrstuvwx") + " end"),
        ("sk-proj-abcdefghijklmnopqrstuvwx", m("sk-proj-abcdefghijklmnopqrstuvwx")),
        ("sk-short123", "sk-short123"),
        ("ghp_abcdefghijklmnopqrstuvwxyz", m("ghp_abcdefghijklmnopqrstuvwxyz")),
        ("github_pat_abcdefghijklmnopqrstuvwxyz", m("github_pat_abcdefghijklmnopqrstuvwxyz")),
        ("ghp_short", "ghp_short"),
        ("xoxb-1234567890ab", m("xoxb-1234567890ab")),
        ("xoxz-1234567890ab", "xoxz-1234567890ab"),
        ("eyJabcdefgh.eyJabcdefgh.abcdefgh", m("eyJabcdefgh.eyJabcdefgh.abcdefgh")),
        ("eyJabc.eyJabcdefgh.abcdefgh", "eyJabc.eyJabcdefgh.abcdefgh"),
        ("a=1;b=2;c=3", "a=1;b=2;c=3"),
    ],
)
def test_redact_text(text, out):
    assert redact_text(text) == out


def test_two_secrets_in_one_text_are_both_hidden():
    text = "AccountName=a;AccountKey=K1;Password=P2"
    assert redact_text(text) == "AccountName=a;AccountKey=" + m("K1") + ";Password=" + m("P2")


def test_redact_scalars_under_a_key():
    assert redact("v", "password") == m("v")
    assert redact(42, "password") == m("42")
    assert redact(4.5, "apiKey") == m("4.5")
    assert redact(42, "count") == 42
    assert redact(None, "password") is None
    assert redact(False, "password") is False
    assert redact(True, "password") is True
    assert redact("", "password") == ""
    assert redact("2026-01-31T10:00:00Z", "key1") == "2026-01-31T10:00:00Z"  # a timestamp
    assert redact("2026-01-31", "password") == "2026-01-31"
    assert redact("2026-01-31 nope", "password") == m("2026-01-31 nope")
    already = "[REDACTED sha256:0123456789abcdef]"
    assert redact(already, "password") == already
    assert redact("plain", None) == "plain"
    assert redact("Password=x123456", None) == "Password=" + m("x123456")
    # not a JSON value, but under a secret name: redacted by its text, never passed through
    assert redact(object, "password") == m("<class 'object'>")


def test_containers_under_a_secret_key():
    assert redact(["a", 1, None, True], "secret") == [m("a"), m("1"), None, True]
    assert redact(("a",), "secret") == [m("a")]
    assert redact({"v": "a", "keyName": "k", "enabled": "yes", "n": None}, "accessKeys") == {
        "v": m("a"), "keyName": "k", "enabled": "yes", "n": None}
    assert redact({"inner": {"x": "y"}}, "credentials") == {"inner": {"x": m("y")}}


def test_evidence_paths():
    assert redact("x", "properties.adminPassword") == m("x")
    assert redact("x", "properties.passwordProfile.value") == m("x")  # a secret parent
    assert redact("x", "properties.passwordProfile.type") == "x"  # ... but a safe name
    assert redact("x", "properties.name") == "x"
    assert redact("x", "a[0]") == "x"
    assert redact("x", "appSettings[*].value") == m("x")
    assert redact("x", "environment.value") == m("x")
    assert redact("x", "other[*].value") == "x"
    assert redact("x", "[*]") == "x"


def test_path_has_secret_parent():
    assert path_has_secret_parent("properties.secrets[*].value") is True
    assert path_has_secret_parent("properties.appSettings[*].value") is True
    assert path_has_secret_parent("properties.appSettings[*].name") is False
    assert path_has_secret_parent("properties.passwordProfile.value") is True
    assert path_has_secret_parent("properties.settings.value") is False
    assert path_has_secret_parent("password") is False  # no parent
    assert path_has_secret_parent("a[0]") is False
    assert path_has_secret_parent("secret[0]") is False  # an index is not a parent segment
    assert path_has_secret_parent("secret[0].x") is True


def test_name_value_pairs():
    doc = {"appSettings": [
        {"name": "DB_PASSWORD", "value": "p1"},
        {"name": "REGION", "value": "weu"},
        {"Name": "Api-Key", "Value": "p2", "slotSetting": False},
        {"keyName": "x", "value": "kept"},
        {"key": "AUTH_HEADER", "value": "p3"},
        {"name": "plain", "connectionString": "Server=s;Database=d"},
    ]}
    out = redact_document(doc)["appSettings"]
    assert out == [
        {"name": "DB_PASSWORD", "value": m("p1")},
        {"name": "REGION", "value": "weu"},
        {"Name": "Api-Key", "Value": m("p2"), "slotSetting": False},
        {"keyName": "x", "value": "kept"},
        {"key": "AUTH_HEADER", "value": m("p3")},
        {"name": "plain", "connectionString": m("Server=s;Database=d")},
    ]


def test_a_big_dict_is_not_a_pair():
    doc = {"name": "DB_PASSWORD", "value": "v", "a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    assert redact_document(doc)["value"] == "v"
    six = {"name": "DB_PASSWORD", "value": "v", "a": 1, "b": 2, "c": 3, "d": 4}
    assert redact_document(six)["value"] == m("v")


def test_pair_needs_a_value_key_and_a_string_name():
    assert redact_document({"name": "DB_PASSWORD", "data": "v"}) == {"name": "DB_PASSWORD",
                                                                      "data": "v"}
    assert redact_document({"name": 5, "value": "v"}) == {"name": 5, "value": "v"}


def test_user_named_maps():
    doc = {"environmentVariables": {"DB_PASS": "p", "MODE": "fast", "N": 3, "TOKEN_N": 4},
           "tags": {"DB_PASS": "tagvalue"}}
    out = redact_document(doc)
    assert out["environmentVariables"] == {"DB_PASS": m("p"), "MODE": "fast", "N": 3,
                                           "TOKEN_N": m("4")}
    # the sanitising stage judges tags like appSettings: names the user chose
    assert out["tags"] == {"DB_PASS": m("tagvalue")}


def test_document_values_and_keys_of_every_kind():
    doc = {"n": 5, "f": 1.5, "b": True, "z": None, "s": "Password=abcdefgh", 7: "seven",
           "l": [1, "Password=abcdefgh"], "password": 9}
    assert redact_document(doc) == {
        "n": 5, "f": 1.5, "b": True, "z": None, "s": "Password=" + m("abcdefgh"), "7": "seven",
        "l": [1, "Password=" + m("abcdefgh")], "password": m("9")}


def test_safe_names_inside_a_secret_subtree():
    doc = {"secrets": {"value": "v", "secretName": "n", "expiry": "e", "nested": {"x": "y"},
                       "count": 3}}
    assert redact_document(doc) == {"secrets": {
        "value": m("v"), "secretName": "n", "expiry": "e", "nested": {"x": m("y")},
        "count": 3}}


def test_text_after_a_secret_in_the_middle_is_kept():
    pem = "key: -----BEGIN PRIVATE KEY-----\nAB\n-----END PRIVATE KEY----- trailing"
    assert redact_text(pem) == ("key: -----BEGIN PRIVATE KEY-----" + m("\nAB\n")
                                + "-----END PRIVATE KEY----- trailing")


def test_keys_that_are_not_strings_are_judged_by_their_text():
    # YAML (not JSON) can produce them; they must neither crash nor hide a secret.
    # (sanitised documents are JSON: their keys come out as the text they were judged by)
    assert redact_document({7: {"a": "b"}, ("password",): "v", 8: 9}) == {
        "7": {"a": "b"}, "('password',)": m("v"), "8": 9}


def test_a_user_named_map_given_as_the_key():
    assert redact({"DB_PASS": "p", "MODE": "m"}, "appSettings") == {"DB_PASS": m("p"), "MODE": "m"}
    assert redact({"DB_PASS": "p", "env": "prod"}, "tags") == {"DB_PASS": m("p"), "env": "prod"}


def test_an_indexed_path_is_judged_by_its_last_name():
    assert redact("x", "passwordPolicy[0]") == "x"  # a safe name, whatever the index
    assert redact("x", "secrets[0]") == m("x")


def test_texts_under_8_characters_are_never_scanned():
    assert redact_text("pwd=abc") == "pwd=abc"  # 7 characters
    assert redact_text("pwd=abcd") == "pwd=" + m("abcd")  # 8 characters


def test_a_value_beside_a_connection_string_is_secret_whatever_the_name():
    doc = {"name": "plain", "value": "v", "connectionString": "c"}
    assert redact_document(doc) == {"name": "plain", "value": m("v"), "connectionString": m("c")}
