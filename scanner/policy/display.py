"""
How lint and trace messages print values: as the author writes them in YAML/JSON.
"""

from __future__ import annotations

import json
from typing import Any


def show(value: Any) -> str:
    """`true`, `"TLS1_2"`, `["a","b"]`: never Python's `True` or `['a', 'b']`."""
    if isinstance(value, str) and "\\" in value and "'" not in value and value.isprintable():
        return f"'{value}'"  # YAML single quotes: a regex keeps its backslashes as written
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 policy`, `2 policies`, `0 errors`."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
