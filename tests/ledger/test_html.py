"""
The HTML period report in a real headless Chromium: the counts the page shows after its
script ran match the JSON report; untrusted strings stay text; a screenshot is saved.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.chromium import artifacts, chromium, dom_count, require_chromium

from scanner.ledger.html import render_html

require_chromium()


@pytest.fixture(scope="module")
def reports(built_ledger, ledger_keys, tmp_path_factory) -> tuple[dict, Path]:
    from click.testing import CliRunner

    from scanner.cli import main

    d = tmp_path_factory.mktemp("html")
    common = ["ledger", "report", str(built_ledger), "--key", f"{ledger_keys}.pub", "--from",
              "2026-03-01", "--to", "2026-03-30", "--framework", "soc2"]
    for fmt in ("json", "html"):
        res = CliRunner().invoke(main, [*common, "--format", fmt, "-o", str(d / f"r.{fmt}")])
        assert res.exit_code == 0, res.output
    return json.loads((d / "r.json").read_text()), d / "r.html"


def test_rendered_counts_match_the_json(reports, tmp_path):
    report, page = reports
    dom = chromium("--dump-dom", page.as_uri()).stdout
    assert dom_count(dom, "n-scans") == len(report["scans"]) == 29
    assert dom_count(dom, "n-controls") == len(report["controls"])
    assert dom_count(dom, "n-held") == sum(c["held"] for c in report["controls"]) == 1
    assert dom_count(dom, "n-exceptions") == sum(len(c["exceptions"]) for c in report["controls"]) == 2
    assert dom_count(dom, "n-gaps") == len(report["cadence_gaps"]) == 1
    assert "4d 0h" in dom  # the exception's duration, as shown
    shot = artifacts(tmp_path) / "ledger-report.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri())
    assert shot.stat().st_size > 10_000


def test_the_page_is_self_contained(reports):
    html = reports[1].read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "innerHTML" not in html
    assert 'content="default-src &#x27;none&#x27;' in html  # no fetch of anything


def test_untrusted_strings_stay_text(reports, tmp_path):
    report = json.loads(json.dumps(reports[0]))
    evil = '<img src=x onerror="document.title=\'pwned\'">'
    report["controls"][0]["title"] = evil
    report["controls"][0]["exceptions"] = [{
        "policy": evil, "resource": "</code><script>document.title='pwned'</script>",
        "first_seen": report["scans"][0], "last_seen": report["scans"][0], "resolved_by": None,
        "duration_seconds": 0, "open": True}]
    page = tmp_path / "evil.html"
    page.write_text(render_html(report))
    dom = chromium("--dump-dom", page.as_uri()).stdout
    assert "pwned" not in re.search(r"<title>([^<]*)</title>", dom).group(1)
    assert "<img src=\"x\"" not in dom and "&lt;img src=x" in dom
