"""
Command-line options of the AWS collector and the factory the CLI calls.

Nothing here imports boto3 at module level: `ccscan --help` and `ccscan lint` must stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from scanner.collect.base import reject_stray_options, require_extra

if TYPE_CHECKING:
    from scanner.collect.base import Collector

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = [
    click.option(
        "--aws",
        "aws",
        is_flag=True,
        default=False,
        help="Collect resources live from AWS (boto3 default credential chain).",
    ),
    click.option(
        "--region",
        "aws_regions",
        multiple=True,
        metavar="REGION",
        help="AWS region to scan (repeatable). Default: every region enabled in the account.",
    ),
    click.option(
        "--profile",
        "aws_profile",
        default=None,
        metavar="NAME",
        help="AWS shared-config profile to start from (default: the default credential chain).",
    ),
    click.option(
        "--role-arn",
        "aws_role_arns",
        multiple=True,
        metavar="ARN",
        help="IAM role to assume in each account to scan (repeatable, one per account).",
    ),
    click.option(
        "--external-id",
        "aws_external_id",
        default=None,
        metavar="ID",
        help="External id passed to sts:AssumeRole with --role-arn.",
    ),
    click.option(
        "--aws-max-workers",
        "aws_max_workers",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        help="AWS API calls in flight at once (regions x accounts x resource types).",
    ),
    click.option(
        "--aws-max-attempts",
        "aws_max_attempts",
        type=click.IntRange(1, 20),
        default=8,
        show_default=True,
        help="Attempts per AWS API call (the first included); throttling, 5xx and connection "
        "errors are retried by botocore's standard retry mode with backoff.",
    ),
    click.option(
        "--aws-timeout",
        "aws_timeout",
        default="10/60",
        show_default=True,
        metavar="SECONDS|CONNECT/READ",
        help="Seconds to wait to connect to an AWS endpoint / for its answer, before the call "
        "is retried, then reported as incomplete (one number sets both).",
    ),
]


def parse_timeout(text: str) -> tuple[float, float]:
    """`5` -> (5, 5); `3/30` -> (3, 30). Raises UsageError outside 0.1..600 s or malformed."""
    from scanner.errors import UsageError

    parts = str(text).split("/")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or not all(0.1 <= v <= 600 for v in values):
        raise UsageError(f"--aws-timeout {text!r}: give SECONDS or CONNECT/READ, each 0.1 to 600")
    return (values[0], values[-1])


def options(f: F) -> F:
    """
    Apply the AWS collector's click options to a command.
    """
    for opt in reversed(_OPTIONS):
        f = opt(f)
    return f


def collector_from(
    params: dict[str, Any], types: set[str] | None, progress: bool = False
) -> Collector | None:
    """
    Return an AWS collector configured from the command's parameters, or None without `--aws`.

    `types` are the lower-cased CloudFormation type names the selected policies need
    (None: every type the collector supports). Raises UsageError for inconsistent options.
    """
    if not params.get("aws"):
        reject_stray_options(params, "--aws", (
            ("--region", "aws_regions"),
            ("--profile", "aws_profile"),
            ("--role-arn", "aws_role_arns"),
            ("--external-id", "aws_external_id"),
        ))
        return None
    if params.get("aws_external_id") and not params.get("aws_role_arns"):
        from scanner.errors import UsageError

        raise UsageError("--external-id needs --role-arn")

    connect, read = parse_timeout(params.get("aws_timeout") or "10/60")
    require_extra("boto3", "aws")
    from scanner.collect.aws import AwsCollector, AwsOptions  # deferred: boto3 is slow to import

    return AwsCollector(
        AwsOptions(
            regions=tuple(params.get("aws_regions") or ()),
            profile=params.get("aws_profile"),
            role_arns=tuple(params.get("aws_role_arns") or ()),
            external_id=params.get("aws_external_id"),
            max_workers=int(params.get("aws_max_workers") or 8),
            max_attempts=int(params.get("aws_max_attempts") or 8),
            connect_timeout=connect,
            read_timeout=read,
            types=frozenset(types) if types is not None else None,
            progress=progress,
        )
    )
