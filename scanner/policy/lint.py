"""
`ccscan lint`: every problem in policy and framework files, sorted by file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.policy.catalog import Catalog, load_catalog
from scanner.policy.model import LintMessage


def lint(paths: Sequence[Path]) -> tuple[Catalog, list[LintMessage]]:
    """
    Load `paths` and return the catalog with its messages sorted for display.

    Raises PolicyError only for a path that does not exist or holds no policy files.
    """
    catalog = load_catalog(paths, type_check=True)
    messages = sorted(set(catalog.messages), key=lambda m: (m.path, m.line or 0, m.col or 0, m.message))
    return catalog, messages


def lint_exit_code(messages: Sequence[LintMessage], strict: bool) -> int:
    """2 on any error (or, with --strict, any warning); 0 otherwise."""
    failing = {"error", "warning"} if strict else {"error"}
    return 2 if any(m.severity in failing for m in messages) else 0
