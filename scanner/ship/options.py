"""
The shipping options shared by `ccscan ship` and `ccscan scan --ship`, and the sinks they build.

Sinks are built (and their configuration checked) before anything is scanned or sent, so a
missing token variable or a bad URL fails at once with exit 2.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner.ship import SINKS
from scanner.ship.defaults import DEFAULT_PREFIX, DEFAULT_STREAM, DEFAULT_TOKEN_ENV
from scanner.ship.interface import ShipConfigError, ShipIncomplete, ShipRecord, Sink

if TYPE_CHECKING:  # batch and reader are imported when shipping: `ccscan --help` stays fast
    from scanner.ship.batch import RetryPolicy, ShipReport

_OPTIONS: list[Callable[[Any], Any]] = [
    click.option("--splunk-url", metavar="URL", help="Splunk HEC base URL (https://host:8088)."),
    click.option("--splunk-token-env", metavar="VAR", default=DEFAULT_TOKEN_ENV, show_default=True,
                 help="Environment variable holding the HEC token (never a command-line value)."),
    click.option("--splunk-ca", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                 help="PEM CA bundle for a HEC with a private CA (TLS is always verified)."),
    click.option("--splunk-index", metavar="INDEX", help="HEC index (default: the token's)."),
    click.option("--sentinel-endpoint", metavar="URL",
                 help="Data collection endpoint (or DCR) ingestion URL, https://...ingest.monitor.azure.com."),
    click.option("--sentinel-rule-id", metavar="DCR", help="Immutable id of the data collection rule (dcr-...)."),
    click.option("--sentinel-stream", metavar="NAME", default=DEFAULT_STREAM, show_default=True,
                 help="DCR stream name."),
    click.option("--sentinel-audience", metavar="URL",
                 help="Token audience for a sovereign cloud (default https://monitor.azure.com; "
                 "e.g. https://monitor.azure.us)."),
    click.option("--s3-bucket", metavar="BUCKET", help="Bucket for OCSF JSONL objects."),
    click.option("--s3-prefix", metavar="PREFIX", default=DEFAULT_PREFIX, show_default=True,
                 help="Key prefix."),
    click.option("--s3-region", metavar="REGION", help="Bucket region (default: boto3's)."),
    click.option("--s3-endpoint-url", metavar="URL", help="S3-compatible endpoint (default: AWS)."),
    click.option("--ship-attempts", type=click.IntRange(1, 20), default=5, show_default=True,
                 help="Tries per batch before delivery stops (exit 3)."),
]


def options(f: Any) -> Any:
    """Add the shipping options to a click command."""
    for opt in reversed(_OPTIONS):
        f = opt(f)
    return f


OPTION_NAMES = ("splunk_url", "splunk_token_env", "splunk_ca", "splunk_index", "sentinel_endpoint",
                "sentinel_rule_id", "sentinel_stream", "sentinel_audience", "s3_bucket", "s3_prefix", "s3_region",
                "s3_endpoint_url", "ship_attempts")


@dataclass
class ShipPlan:
    sinks: list[Sink]
    retry: RetryPolicy


def build(targets: Iterable[str], params: dict[str, Any]) -> ShipPlan:
    """Build one sink per target from the options; raise `ShipConfigError` (exit 2)."""
    sinks: list[Sink] = []
    for target in dict.fromkeys(t.lower() for t in targets):
        if target not in SINKS:
            raise ShipConfigError(f"unknown sink {target!r} (choose from {', '.join(SINKS)})")
        sinks.append(_sink(target, params))
    from scanner.ship.batch import RetryPolicy

    return ShipPlan(sinks, RetryPolicy(attempts=params.get("ship_attempts") or 5))


def _sink(target: str, p: dict[str, Any]) -> Sink:
    if target == "splunk":
        from scanner.ship.splunk import SplunkSink

        if not p.get("splunk_url"):
            raise ShipConfigError("--ship splunk needs --splunk-url")
        var = p.get("splunk_token_env") or DEFAULT_TOKEN_ENV
        token = os.environ.get(var)
        if not token:
            raise ShipConfigError(f"--ship splunk: set the HEC token in the environment variable {var}")
        ca = p.get("splunk_ca")
        return SplunkSink(p["splunk_url"], token, str(ca) if ca else None, p.get("splunk_index"))
    if target == "sentinel":
        from scanner.ship.sentinel import SentinelSink

        if not p.get("sentinel_endpoint") or not p.get("sentinel_rule_id"):
            raise ShipConfigError("--ship sentinel needs --sentinel-endpoint and --sentinel-rule-id")
        kwargs = {}
        if p.get("sentinel_audience"):
            kwargs["credential_scopes"] = [p["sentinel_audience"].rstrip("/") + "/.default"]
        return SentinelSink(p["sentinel_endpoint"], p["sentinel_rule_id"],
                            p.get("sentinel_stream") or DEFAULT_STREAM, **kwargs)
    from scanner.ship.s3 import S3Sink

    if not p.get("s3_bucket"):
        raise ShipConfigError("--ship s3 needs --s3-bucket")
    return S3Sink(p["s3_bucket"], p.get("s3_prefix") or DEFAULT_PREFIX, p.get("s3_region"),
                  p.get("s3_endpoint_url"))


def _records(files: Iterable[Path]) -> Iterator[ShipRecord]:
    from scanner.ship.reader import read_records

    for path in files:
        yield from read_records(path)


def ship_files(files: list[Path], plan: ShipPlan) -> list[ShipReport]:
    """
    Ship every finding in `files` to every sink (each sink reads the files afresh, so
    memory stays flat). Raise `ShipIncomplete` after trying every sink if any fell short.
    """
    from scanner.ship.batch import deliver
    from scanner.ship.reader import is_ocsf

    if any(s.name == "sentinel" for s in plan.sinks):
        ocsf = [str(f) for f in files if is_ocsf(f)]
        if ocsf:  # refuse before any sink has sent anything
            raise ShipConfigError(f"Sentinel rows are built from a scan result (--format json), "
                                  f"not OCSF JSONL: {', '.join(ocsf)}")
    reports: list[ShipReport] = []
    failures: list[ShipIncomplete] = []
    for sink in plan.sinks:
        try:
            reports.append(deliver(_records(files), sink, plan.retry))
        except ShipIncomplete as e:
            failures.append(e)
    if failures:
        delivered = sum(f.delivered for f in failures)
        raise ShipIncomplete("; ".join(f.message for f in failures), delivered)
    return reports
