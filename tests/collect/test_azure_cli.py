"""
`ccscan scan --azure` / `ccscan collect --azure` end to end against the ARM emulator: the
default credential chain narrowed to AzureCliCredential with a stub `az`, the CA from
REQUESTS_CA_BUNDLE, and findings equal to the file scan of the same fixtures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

pytest.importorskip("azure.identity")
pytest.importorskip("trustme")

from support.arm_emulator import TOKEN
from support.azure_testing import AZURE_FIXTURES, ROOT, comparable

from scanner.collect import azure_cli
from scanner.errors import UsageError


def file_scan(ccscan) -> tuple[int, dict]:
    res = ccscan("scan", str(AZURE_FIXTURES), "--format", "json")
    return res.exit_code, res.json()


def test_live_scan_in_a_subprocess_equals_the_file_scan(arm, az_env, ccscan):
    live_scan = ["scan", "--azure", "--arm-endpoint", arm.url, "--format", "json"]
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", *live_scan],
        check=False,
        cwd=ROOT,
        env=az_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    live = json.loads(proc.stdout)
    code, files = file_scan(ccscan)
    assert proc.returncode == code == 1
    assert live["incomplete"] == []
    assert comparable(live) == comparable(files)
    assert live["summary"] == files["summary"]
    assert TOKEN not in proc.stdout + proc.stderr


def test_collected_snapshot_scans_like_the_files(arm, az_env, ccscan, tmp_path):
    snapshot = tmp_path / "estate.jsonl"
    res = ccscan("collect", "--azure", "--arm-endpoint", arm.url, "-o", str(snapshot), env=az_env)
    assert res.exit_code == 0, res.stderr
    header = json.loads(snapshot.read_text().splitlines()[0])
    assert header["collector"] == "azure" and header["cloud"] == "AzureCloud"
    assert header["arm_endpoint"] == arm.url and header["incomplete"] == []
    assert header["api_versions"]["Microsoft.Compute/virtualMachines"] == "2024-07-01"
    assert len(header["subscriptions"]) == 3
    scanned = ccscan("scan", str(snapshot), "--format", "json")
    _, files = file_scan(ccscan)
    assert comparable(scanned.json()) == comparable(files)
    assert TOKEN not in snapshot.read_text()


def test_incomplete_collection_exits_3_unless_findings_fail(arm, az_env, ccscan):
    fault = arm.fail(
        r"/providers/Microsoft\.KeyVault/vaults$", 403, times=None, code="AuthorizationFailed"
    )
    try:
        live_scan = ["scan", "--azure", "--arm-endpoint", arm.url, "--format", "json"]
        failing = ccscan(*live_scan, env=az_env)
        lenient = ccscan(*live_scan, "--fail-on", "none", env=az_env)
    finally:
        arm.faults.remove(fault)
    assert failing.exit_code == 1  # failing findings win over an incomplete scan
    assert lenient.exit_code == 3
    # vaults, and the vaults' keys (listed through the vaults), in each of 3 subscriptions
    scopes = sorted(i["scope"].rsplit(" ", 1)[1] for i in lenient.json()["incomplete"])
    assert scopes == ["Microsoft.KeyVault/vaults"] * 3 + ["Microsoft.KeyVault/vaults/keys"] * 3
    assert not any(
        f["resource"]["type"].lower().startswith("microsoft.keyvault/vaults")
        for f in lenient.json()["findings"]
    )


def test_failed_sign_in_is_one_line_and_exit_2(arm, az_env, ccscan, tmp_path):
    env = dict(az_env, PATH=str(tmp_path))  # no az: the only credential in the chain fails
    res = ccscan("scan", "--azure", "--arm-endpoint", arm.url, env=env)
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if "sign-in" in line]
    assert len(lines) == 1 and "AzureCliCredential" in lines[0] and "az login" in lines[0]


def _parse(args: list[str]) -> dict:
    @click.command()
    @azure_cli.options
    def cmd(**kw):
        return kw

    return cmd.main(args, standalone_mode=False)


def test_options_parse_into_collector_settings(arm):
    params = _parse(
        [
            "--azure",
            "--subscription",
            "AAAA",
            "--subscription",
            "bbbb",
            "--resource-group",
            "rg1",
            "--cloud",
            "AzureUSGovernment",
            "--arm-endpoint",
            arm.url + "/",
            "--azure-workers",
            "3",
            "--azure-timeout",
            "5",
        ]
    )
    collector = azure_cli.collector_from(params, {"microsoft.compute/disks"}, progress=False)
    s = collector.settings
    assert (s.subscriptions, s.resource_groups, s.workers) == (("aaaa", "bbbb"), ("rg1",), 3)
    assert s.http.arm_endpoint == arm.url and s.http.scope == arm.url + "/.default"
    assert s.http.read_timeout == 5 and s.authority == "login.microsoftonline.us"
    assert [spec.type for spec in collector.specs] == ["Microsoft.Compute/disks"]


def test_cloud_picks_endpoint_and_authority_host_env_wins(monkeypatch):
    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)
    china = azure_cli.collector_from(_parse(["--azure", "--cloud", "azurechinacloud"]), None, False)
    assert china.settings.http.arm_endpoint == "https://management.chinacloudapi.cn"
    assert china.settings.authority == "login.chinacloudapi.cn"
    assert china.snapshot_header()["cloud"] == "AzureChinaCloud"
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://login.example")
    assert azure_cli.collector_from(_parse(["--azure"]), None, False).settings.authority is None


def test_ca_bundle_from_ssl_cert_file(monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/private-ca.pem")
    collector = azure_cli.collector_from(_parse(["--azure"]), None, False)
    assert collector.settings.http.client_kwargs()["connection_verify"] == "/etc/private-ca.pem"


def test_without_azure_there_is_no_collector_and_stray_options_are_errors():
    assert azure_cli.collector_from(_parse([]), None, False) is None
    with pytest.raises(UsageError, match="--subscription given without --azure"):
        azure_cli.collector_from(_parse(["--subscription", "x"]), None, False)
    with pytest.raises(UsageError, match="https"):
        azure_cli.collector_from(
            _parse(["--azure", "--arm-endpoint", "http://127.0.0.1:1"]), None, False
        )


def test_importing_the_cli_loads_no_azure_sdk():
    code = "import sys, scanner.cli; print(sorted(m for m in sys.modules if m.startswith('azure')))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_progress_is_drawn_only_on_a_terminal(tmp_path: Path):
    from scanner.progress import Progress  # the shared bar (issue 14.2) replaced azure_progress

    class Tty:
        def __init__(self, tty: bool) -> None:
            self.tty, self.text = tty, ""

        def isatty(self) -> bool:
            return self.tty

        def write(self, s: str) -> None:
            self.text += s

        def flush(self) -> None:
            pass

    for tty in (True, False):
        stream = Tty(tty)
        progress = Progress("azure lists", enabled=True, stream=stream)
        progress.start(2)
        progress.advance(items=5)
        progress.advance(steps=1)
        progress.advance(steps=1)
        progress.close()
        assert ("azure lists" in stream.text and "2/2" in stream.text
                and "5 resources" in stream.text) is tty
        assert (stream.text == "") is not tty
