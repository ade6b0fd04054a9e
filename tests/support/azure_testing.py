"""
Helpers for tests of the Azure collector: a static credential, settings pointed at an
ArmEmulator, and a one-call collect.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from support.arm_emulator import TOKEN, ArmEmulator

ROOT = Path(__file__).resolve().parents[2]
AZURE_FIXTURES = ROOT / "fixtures" / "azure"


class StaticCredential:
    """A TokenCredential that always returns `token` and counts how often it was asked."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.calls += 1
        return AccessToken(self.token, int(time.time()) + 3600)


def settings_for(arm: ArmEmulator, **overrides: Any) -> Any:
    """
    AzureSettings for the emulator: its CA, quick backoff (retries stay fast), and any
    AzureSettings/HttpSettings field as a keyword (`timeout=` sets the read timeout).
    """
    from scanner.collect.azure import AzureSettings
    from scanner.collect.azure_clients import HttpSettings

    http_fields = set(HttpSettings.__dataclass_fields__)
    http_kw = {k: overrides.pop(k) for k in list(overrides) if k in http_fields}
    if "timeout" in overrides:
        http_kw["read_timeout"] = overrides.pop("timeout")
    http = HttpSettings(
        arm.url, connection_verify=arm.ca_file, retry_backoff_factor=0.01, retry_backoff_max=0.05
    )
    return replace(AzureSettings(http=replace(http, **http_kw)), **overrides)


def collect(
    arm: ArmEmulator, types: set[str] | None = None, credential: Any = None, **overrides: Any
):
    """Run an AzureCollector against `arm`; return (resources, collector)."""
    from scanner.collect.azure import AzureCollector

    collector = AzureCollector(
        settings_for(arm, **overrides), types=types, credential=credential or StaticCredential()
    )
    return list(collector.collect()), collector


def by_id(docs: list[dict]) -> dict[str, dict]:
    """Index documents by lower-cased id (ARM ids compare case-insensitively)."""
    return {d["id"].lower(): d for d in docs}


STUB_AZ = """#!/bin/sh
# Stands in for `az account get-access-token --output json --resource ...`.
cat <<'EOF'
{{"accessToken": "{token}", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": {expires},
  "subscription": "00000000-0000-0000-0000-00000000000a", "tenant": "00000000-0000-0000-0000-000000000001",
  "tokenType": "Bearer"}}
EOF
"""


def az_cli_env(arm: ArmEmulator, bin_dir: Path) -> dict[str, str]:
    """
    The environment of a user signed in with the Azure CLI (a stub `az` in `bin_dir` that hands
    out the emulator's token), trusting the emulator's CA and no other Azure setting.
    """
    az = bin_dir / "az"
    az.write_text(STUB_AZ.format(token=TOKEN, expires=int(time.time()) + 3600))
    az.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "REQUESTS_CA", "SSL_CERT"))}
    env.update({"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
                "AZURE_TOKEN_CREDENTIALS": "AzureCliCredential", "REQUESTS_CA_BUNDLE": arm.ca_file})
    return env


def comparable(result: dict) -> dict[str, dict]:
    """Findings by id, without where they were read from (file line vs live source)."""
    return {f["id"]: {k: v for k, v in f.items() if k not in ("source", "line")} for f in result["findings"]}
