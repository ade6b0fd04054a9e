"""
`versionAtLeast` reads real TLS versions only: SSL versions, policy names and any other
string that is not a recognisable TLS version are failing, never a guess such as 3.0 or 2016.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.policy.operators import parse_version
from tests.policy.helpers import compile_condition, holds

# Every spelling ccscan accepts, built here independently of the parser (the oracle).
_PREFIXES = ["", "TLS", "tls", "Tls", "TLSv", "tlsv", "TLS ", "TLS_", "TLS-", "TLS.", "TLSV", "TLS v", "TLSv ",
             "TLS  ", "TLSv_", "TLSv-"]
_FORMS = {  # text after the prefix -> version
    **{f"1{sep}{m}": (1, m, 0) for sep in ("", ".", "_", "-") for m in range(10)},
    **{f"1.{m}.{p}": (1, m, p) for m in range(10) for p in range(100)},
    **{f"1.{m}.{p:02d}": (1, m, p) for m in range(10) for p in range(10)},
    "1": (1, 0, 0),
}
_SUFFIXES = ["", "_2016", "_2019", "_2021"]
KNOWN = {
    f"{pre}{form}{suf}": v
    for pre, (form, v), suf in itertools.product(_PREFIXES, _FORMS.items(), _SUFFIXES)
}


@pytest.mark.parametrize("text", [
    "SSL3", "SSLv3", "SSL2.0", "SSLv2", "SSL 3.0", "ssl3", "2016", "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-TLS-1-2-2017-01", "2.0", "3", "v2", "1.2-beta", "1.2a", "TLS2", "TLS1.10",
    "1.10", "10.0", "12.0", "TLS12.1", "latest", "", " ", "TLSv", "DTLS1.2", "TLS1_2_", "1..2", "１.２", "1.٢", "TLS13-1-2-2021-06",
])
def test_strings_that_are_not_tls_versions_fail_version_at_least(text):
    assert parse_version(text) is None
    for floor in ("1.0", "1.2", "1.3"):
        assert holds({"field": "v", "versionAtLeast": floor}, {"v": text}) is False


@pytest.mark.parametrize(("value", "version"), [
    ("1.2", (1, 2, 0)), ("TLS1_2", (1, 2, 0)), ("TLS12", (1, 2, 0)), ("Tls13", (1, 3, 0)),
    ("TLSv1.2", (1, 2, 0)), ("TLS 1.3", (1, 3, 0)), ("TLSv1.2_2021", (1, 2, 0)),
    ("TLSv1_2016", (1, 0, 0)), ("TLSv1.1_2016", (1, 1, 0)), ("TLSv1", (1, 0, 0)),
    ("TLS1_0", (1, 0, 0)), (" 1.2 ", (1, 2, 0)), (1.2, (1, 2, 0)), (1.0, (1, 0, 0)), (1, (1, 0, 0)),
])
def test_real_tls_spellings_still_read(value, version):
    assert parse_version(value) == version


def test_a_tls_policy_name_year_does_not_pass_a_floor():
    # The bug: "2016" was read from the name and compared as version 2016 >= 1.2.
    assert holds({"field": "v", "versionAtLeast": "1.2"}, {"v": "ELBSecurityPolicy-2016-08"}) is False
    assert holds({"field": "v", "versionAtLeast": "1.2"}, {"v": "SSLv3"}) is False
    assert holds({"not": {"field": "v", "versionAtLeast": "1.2"}}, {"v": "SSLv3"}) is True


@pytest.mark.parametrize("floor", ["SSLv3", "2016", "TLS2", "1.10"])
def test_an_unreadable_floor_is_a_lint_error(floor):
    _, _, messages = compile_condition({"field": "v", "versionAtLeast": floor})
    assert [m.rule for m in messages] == ["bad-value"]
    assert "as a version" in messages[0].message


@given(text=st.text(max_size=16))
@settings(max_examples=1500, deadline=None)
def test_property_any_string_that_is_not_a_tls_version_is_false(text):
    if text.strip() in KNOWN:
        return
    assert parse_version(text) is None
    assert holds({"field": "v", "versionAtLeast": "1.0"}, {"v": text}) is False


@given(text=st.sampled_from(sorted(KNOWN)), pad=st.sampled_from(["", " ", "  "]))
@settings(max_examples=500, deadline=None)
def test_property_every_known_spelling_reads_as_its_version(text, pad):
    assert parse_version(pad + text + pad) == KNOWN[text]


@given(noise=st.text("SsLlVv0123456789._- ", max_size=10))
@settings(max_examples=800, deadline=None)
def test_property_version_like_noise_is_false_unless_a_known_spelling(noise):
    if noise.strip() in KNOWN:
        assert parse_version(noise) == KNOWN[noise.strip()]
    else:
        assert holds({"field": "v", "versionAtLeast": "1.0"}, {"v": noise}) is False
