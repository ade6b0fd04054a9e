"""
Drive Debian's headless Chromium for the HTML report tests: `--dump-dom` after the page's
script ran, screenshots into the test artifacts. Skips the module when chromium is absent,
except in CI (`CI=true`), where .ci/run installs it and its absence is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> None:
    """Skip the calling test module when chromium is not installed outside CI."""
    if not CHROMIUM and os.environ.get("CI") != "true":
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it",
                    allow_module_level=True)


def chromium(*args: str) -> subprocess.CompletedProcess:
    """Run headless chromium with a throw-away profile and no background networking."""
    assert CHROMIUM, "CI=true: chromium must be installed by .ci/run"
    profile = tempfile.mkdtemp(prefix="ccscan-chromium-")
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=120, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def artifacts(tmp_path: Path) -> Path:
    """Where screenshots go: $CCSCAN_TEST_ARTIFACTS (kept by CI), else the test's tmp dir."""
    d = Path(os.environ.get("CCSCAN_TEST_ARTIFACTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def dom_count(dom: str, id_: str) -> int:
    """The number a rendered report shows in `<span id="ID">`; fails the test if it is absent."""
    m = re.search(rf'<span id="{id_}">([^<]*)</span>', dom)
    assert m, f"#{id_} not in the DOM"
    return int(m.group(1))
