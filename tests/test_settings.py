"""
Environment variables: one parser (scanner.settings); a bad value is exit 2 naming the
variable, never a silent default.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner import settings
from scanner.settings import SettingError
from tests.conftest import FIXTURES

BAD_NUMBERS = ["-1", "abc", "1.5", "1e9", "0x10", "١٢", "²", "99999999999999999999999", "1 2"]


@pytest.mark.parametrize("value", BAD_NUMBERS + ["253402300800"])
def test_bad_source_date_epoch_is_exit_2_naming_it(ccscan, value):
    res = ccscan("scan", FIXTURES, env={"SOURCE_DATE_EPOCH": value})
    assert res.exit_code == 2
    assert "SOURCE_DATE_EPOCH" in res.stderr and res.stdout == ""
    assert res.stderr.count("\n") == 1


@pytest.mark.parametrize("value", BAD_NUMBERS + ["0", str((1 << 40) + 1)])
def test_bad_max_json_bytes_is_exit_2_naming_it(ccscan, value):
    res = ccscan("scan", FIXTURES, env={"CCSCAN_MAX_JSON_BYTES": value})
    assert res.exit_code == 2 and "CCSCAN_MAX_JSON_BYTES" in res.stderr


@pytest.mark.parametrize("value", ["LOUD", "10", "warn", "debug\x1b[2J"])
def test_bad_loglevel_is_exit_2_naming_it(ccscan, value):
    res = ccscan("policies", "list", env={"CCSCAN_LOGLEVEL": value})
    assert res.exit_code == 2 and "CCSCAN_LOGLEVEL" in res.stderr
    assert "\x1b" not in res.stderr


def test_good_values_are_used(ccscan, tmp_path):
    doc = ccscan("scan", FIXTURES, "--format", "json", env={"SOURCE_DATE_EPOCH": " 1764331200 "}).json()
    assert doc["started_at"] == "2025-11-28T12:00:00Z"
    res = ccscan("scan", FIXTURES, env={"CCSCAN_MAX_JSON_BYTES": "100"})
    assert res.exit_code == 2 and "over the 100-byte limit" in res.stderr
    res = ccscan("scan", FIXTURES, "--fail-on", "none", env={"CCSCAN_LOGLEVEL": "info"})
    assert res.exit_code == 0 and "ccscan: INFO:" in res.stderr


def test_max_json_bytes_is_read_when_a_file_is_read_not_at_import(monkeypatch):
    monkeypatch.setenv("CCSCAN_MAX_JSON_BYTES", "7")
    assert settings.max_json_bytes(10) == 7
    monkeypatch.delenv("CCSCAN_MAX_JSON_BYTES")
    assert settings.max_json_bytes(10) == 10
    monkeypatch.setenv("CCSCAN_MAX_JSON_BYTES", "   ")  # blank is unset
    assert settings.max_json_bytes(10) == 10


def test_no_color_and_passphrase(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "")
    assert settings.no_color() is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert settings.no_color() is True
    monkeypatch.setenv("MY_PASS", " spaced pass ")
    assert settings.secret("MY_PASS") == b" spaced pass "  # a passphrase is never stripped
    monkeypatch.setenv("MY_PASS", "")
    assert settings.secret("MY_PASS") is None


@given(st.text())
def test_an_epoch_is_either_a_valid_int_or_a_setting_error(text):
    with pytest.MonkeyPatch.context() as mp:
        if "\x00" in text:
            return  # no environment can hold a NUL
        mp.setenv("SOURCE_DATE_EPOCH", text)
        try:
            value = settings.source_date_epoch()
        except SettingError as e:
            assert "SOURCE_DATE_EPOCH" in e.message
            return
        if value is None:
            assert not text.strip()
        else:
            assert 0 <= value <= settings.MAX_EPOCH and text.strip().isascii()
            assert value == int(text.strip())


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_max_json_bytes_accepts_exactly_the_range(n):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CCSCAN_MAX_JSON_BYTES", str(n))
        if 1 <= n <= 1 << 40:
            assert settings.max_json_bytes(5) == n
        else:
            with pytest.raises(SettingError, match="CCSCAN_MAX_JSON_BYTES"):
                settings.max_json_bytes(5)


def test_bundle_mtime_rejects_a_bad_epoch(monkeypatch):
    from scanner.evidence.tarball import source_date_epoch

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "-5")
    with pytest.raises(SettingError):
        source_date_epoch()
