"""
The interface every output format implements.

Reporters only read findings; they never evaluate. Findings arrive one at a time so a
reporter can stream them (memory must not grow with their number); `finish` gets the
completed `ScanResult` (counts, controls, inputs, incomplete scopes).
"""

from __future__ import annotations

from typing import IO, Protocol, runtime_checkable

from scanner.findings import Finding, ScanResult, SerialisedFindings


class Reporter(Protocol):
    """
    One output format. `out` is a text stream opened by the CLI (stdout or a temp file
    that is renamed over `--output` only once the scan succeeded).
    """

    def start(self, out: IO[str], result: ScanResult) -> None:
        """Begin the output; `result` holds the scan id, tool, start time and policies."""
        ...

    def add(self, finding: Finding) -> None:
        """Take one finding."""
        ...

    def finish(self, result: ScanResult) -> None:
        """Write whatever remains, now that counts and controls are final."""
        ...


@runtime_checkable
class TakesSerialised(Protocol):
    """A reporter that can write findings as workers serialised them (`--format json`)."""

    def add_serialised(self, found: SerialisedFindings) -> None:
        """Take one resource's findings, already sanitised and serialised."""
        ...
