"""
Click options for live Azure collection, and the factory that turns them into a collector.

This module is imported by `scanner.cli` at start-up, so it imports no Azure SDK at module
level: `collector_from` imports `scanner.collect.azure` (and with it azure-identity and the
management SDKs) only when `--azure` was given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from scanner.collect.base import reject_stray_options, require_extra

if TYPE_CHECKING:
    from scanner.collect.base import Collector

F = TypeVar("F", bound=Callable[..., Any])

CLOUDS = ("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")
"""Cloud names as `az cloud list` spells them."""

DEFAULT_WORKERS = 8
DEFAULT_TIMEOUT = 60.0

_OPTIONS = [
    click.option(
        "--azure",
        "azure",
        is_flag=True,
        default=False,
        help="Collect resources live from Azure (azure-identity DefaultAzureCredential: "
        "environment service principal, workload identity, managed identity, Azure CLI login).",
    ),
    click.option(
        "--subscription",
        "azure_subscriptions",
        multiple=True,
        metavar="ID",
        help="Azure subscription id to scan (repeatable). Default: every subscription "
        "the identity can read.",
    ),
    click.option(
        "--resource-group",
        "azure_resource_groups",
        multiple=True,
        metavar="NAME",
        help="Only collect Azure resources in this resource group (repeatable, case-insensitive).",
    ),
    click.option(
        "--cloud",
        "azure_cloud",
        type=click.Choice(CLOUDS, case_sensitive=False),
        default="AzureCloud",
        show_default=True,
        help="Azure cloud: picks the ARM endpoint and the Entra ID authority "
        "(AZURE_AUTHORITY_HOST still overrides the authority).",
    ),
    click.option(
        "--arm-endpoint",
        "azure_arm_endpoint",
        metavar="URL",
        default=None,
        help="ARM endpoint overriding --cloud's, e.g. for Azure Stack Hub or a private "
        "cloud (https://management.local.azurestack.external). A private CA is read from "
        "REQUESTS_CA_BUNDLE or SSL_CERT_FILE.",
    ),
    click.option(
        "--azure-workers",
        "azure_workers",
        type=click.IntRange(1, 64),
        default=DEFAULT_WORKERS,
        show_default=True,
        help="Concurrent Azure requests (subscriptions, and per-site App Service config reads).",
    ),
    click.option(
        "--azure-timeout",
        "azure_timeout",
        type=click.FloatRange(0.1, 600),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        help="Seconds to wait for one Azure response before the read is retried, then "
        "reported as incomplete.",
    ),
]


def options(f: F) -> F:
    """
    Apply the Azure collection options (`--azure`, `--subscription`, ...) to a click command.
    """
    for option in reversed(_OPTIONS):
        f = option(f)
    return f


def collector_from(
    params: dict[str, Any], types: set[str] | None, progress: bool
) -> Collector | None:
    """
    Return an Azure collector for the parsed options, or None when `--azure` was not given.

    `types` are the lower-cased resource types the selected policies need (None: all
    supported). Raises `UsageError` when Azure options are given without `--azure`, and
    `AzureAuthError` (exit 2) only later, when `collect()` finds no usable credential.
    """
    if not params.get("azure"):
        reject_stray_options(params, "--azure", (
            ("--subscription", "azure_subscriptions"),
            ("--resource-group", "azure_resource_groups"),
            ("--arm-endpoint", "azure_arm_endpoint"),
        ))
        return None
    require_extra("azure.identity", "azure")
    require_extra("azure.mgmt.compute", "azure")
    from scanner.collect.azure import AzureCollector, AzureSettings

    settings = AzureSettings.from_options(
        cloud=params.get("azure_cloud") or "AzureCloud",
        arm_endpoint=params.get("azure_arm_endpoint"),
        subscriptions=tuple(params.get("azure_subscriptions") or ()),
        resource_groups=tuple(params.get("azure_resource_groups") or ()),
        workers=int(params.get("azure_workers") or DEFAULT_WORKERS),
        timeout=float(params.get("azure_timeout") or DEFAULT_TIMEOUT),
    )
    return AzureCollector(settings, types=types, progress=progress)
