"""
`ccscan lint`: every problem in policy and framework files, sorted by file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.policy.catalog import Catalog, load_catalog
from scanner.policy.model import LintMessage


def lint(paths: Sequence[Path], whole_catalog: bool = False) -> tuple[Catalog, list[LintMessage]]:
    """
    Load `paths` (with `whole_catalog`, the catalogs they belong to) and return the catalog
    with its messages sorted for display.

    Raises PolicyError only for a path that does not exist or holds no policy files.
    """
    catalog = load_catalog(catalog_roots(paths) if whole_catalog else paths, type_check=True)
    messages = sorted(set(catalog.messages), key=lambda m: (m.path, m.line or 0, m.col or 0, m.message))
    return catalog, messages


def catalog_roots(paths: Sequence[Path]) -> list[Path]:
    """
    The catalogs `paths` belong to: for a file, its nearest `policies` ancestor directory (the
    folder the pre-commit hooks watch), else its own directory; directories stay as given.

    pre-commit passes only the changed files; duplicate ids and framework mappings span the
    whole catalog, so the hooks lint that.
    """
    roots: list[Path] = []
    for p in paths:
        root = p
        if not p.is_dir():
            absolute = p.absolute()
            root = next((a for a in absolute.parents if a.name == "policies"), absolute.parent)
        if root not in roots:
            roots.append(root)
    resolved = [r.resolve() for r in roots]
    # A root inside another would only load its files twice.
    return [r for r, rr in zip(roots, resolved, strict=True)
            if not any(o != rr and rr.is_relative_to(o) for o in resolved)]


def lint_exit_code(messages: Sequence[LintMessage], strict: bool) -> int:
    """2 on any error (or, with --strict, any warning); 0 otherwise."""
    failing = {"error", "warning"} if strict else {"error"}
    return 2 if any(m.severity in failing for m in messages) else 0
