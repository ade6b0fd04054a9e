"""
Where the built-in policy packs and JSON Schemas live (a source checkout or an installed wheel).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PKG = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


def builtin_policies() -> Path:
    """The built-in packs: `policies/` of the checkout, or `scanner/_data/policies` in a wheel."""
    return _first_existing(_PKG.parent / "policies", _PKG / "_data" / "policies")


def schemas_dir() -> Path:
    return _first_existing(_PKG.parent / "schemas", _PKG / "_data" / "schemas")


@cache
def schema(name: str) -> dict[str, Any]:
    """Load `schemas/<name>.schema.json`."""
    return json.loads((schemas_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))
