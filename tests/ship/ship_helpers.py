"""
Helpers for the shipping tests (fixtures live in conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import main


def run(*args: str, env: dict[str, str] | None = None):
    """Invoke the CLI; stderr and stdout together in `.output`."""
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def finding_ids(path: Path) -> list[str]:
    """The finding ids of a scan result, read independently of scanner.ship."""
    return [f["id"] for f in json.loads(path.read_text())["findings"]]
