"""
The interface live collectors implement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from scanner.inventory.resource import Resource


@dataclass(frozen=True, slots=True)
class IncompleteScope:
    """
    A part of the estate that could not be read; reported, never hidden (exit code 3).
    """

    scope: str
    """What was not read, e.g. `subscription 0000…/Microsoft.Web/sites` or `aws us-east-1 ec2`."""
    reason: str
    """Why, in one line a user understands (no tokens, no secrets)."""


class Collector(Protocol):
    """
    A source of resources: yields them lazily and records what it could not read.
    """

    name: str
    """`azure`, `aws`, ... — used as the source of each resource."""
    incomplete: list[IncompleteScope]
    """Scopes that failed during `collect()`; filled as collection goes on."""

    def collect(self) -> Iterator[Resource]: ...

    def snapshot_header(self) -> dict:
        """Return the extra snapshot header fields (cloud, subscriptions, API versions…)."""
        ...


def reject_stray_options(params: dict, switch: str, options: tuple[tuple[str, str], ...]) -> None:
    """
    Raise UsageError when a collector's options are given without its switch (`--aws`…):
    a `--region` without `--aws` would otherwise be silently ignored.
    """
    stray = [flag for flag, key in options if params.get(key)]
    if stray:
        from scanner.errors import UsageError

        raise UsageError(f"{', '.join(stray)} given without {switch}")


def require_extra(module: str, extra: str) -> None:
    """
    Raise UsageError (exit 2, one line) when a collector's SDK is not installed.
    """
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        from scanner.errors import UsageError

        raise UsageError(f"--{extra} needs {module}, which is not installed: pip install 'ccscan[{extra}]'")
