"""
Error types that carry their own one-line, user-facing diagnostics.

Only `scanner.cli` turns these into exit codes; library code raises.
"""

from __future__ import annotations

from pathlib import Path


class CcscanError(Exception):
    """
    Base of every error ccscan reports to a user; the CLI catches it once.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.col = col

    def location(self) -> str:
        """
        Return `file:line:col` (as much of it as is known), or an empty string.
        """
        if self.path is None:
            return ""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def diagnostics(self) -> str:
        """
        Return the one line shown to the user, e.g. `policies/vm.yaml:12:5: unknown operator`.
        """
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class UsageError(CcscanError):
    """
    A command line that cannot work (conflicting options, unwritable output).
    """


class InputError(CcscanError):
    """
    An inventory, waiver, baseline or bundle file that cannot be read as what it claims to be.
    """


class PolicyError(CcscanError):
    """
    A policy or framework file that does not load, validate or compile.
    """


class CollectionError(CcscanError):
    """
    A live collector could not read one scope (subscription, region, resource type).

    Collectors record these as incomplete scopes; only an error that stops the whole
    collection (no credentials at all) reaches the CLI, with exit code 2.
    """

    def __init__(self, scope: str, reason: str) -> None:
        super().__init__(f"{scope}: {reason}")
        self.scope = scope
        self.reason = reason


class OutputError(CcscanError):
    """
    An output, snapshot or bundle could not be written (disk full, read-only, no permission).
    """
