"""
`--format html` in a real headless Chromium: the counts the page shows (after its script ran)
match the JSON result of the same scan; untrusted strings stay text; nothing is fetched;
a screenshot is saved to the test artifacts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.chromium import artifacts, chromium, dom_count, require_chromium

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

require_chromium()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> tuple[dict, Path]:
    from click.testing import CliRunner

    from scanner.cli import main

    d = tmp_path_factory.mktemp("scan-html")
    res = CliRunner().invoke(main, ["scan", str(FIXTURES), "--framework", "soc2", "-o", str(d / "r.json"),
                                    "-o", str(d / "r.html"), "--scan-id", "html-test"])
    assert res.exit_code == 1, res.output
    return json.loads((d / "r.json").read_text()), d / "r.html"


def _rows(dom: str, table_id: str) -> list[str]:
    body = re.search(rf'<table id="{table_id}".*?<tbody>(.*?)</tbody>', dom, re.DOTALL)
    assert body, f"table #{table_id} not in the DOM"
    return re.findall(r"<tr[^>]*>.*?</tr>", body.group(1), re.DOTALL)


def test_rendered_counts_match_the_json(reports, tmp_path):
    result, page = reports
    dom = chromium("--dump-dom", page.as_uri()).stdout
    s = result["summary"]
    assert s["fail"] > 0 and s["pass"] > 0
    for status in ("pass", "fail", "unknown", "error", "waived"):
        assert dom_count(dom, f"n-{status}") == s[status], status
    assert dom_count(dom, "n-resources") == sum(i["resources"] for i in result["inputs"])
    assert dom_count(dom, "n-policies") == len(result["policies"])
    shown = [f for f in result["findings"] if f["status"] in ("fail", "error", "unknown")]
    assert len(_rows(dom, "findings")) == len(shown)
    assert dom_count(dom, "findings-shown") == len(shown)  # written by the page's script
    controls = result["controls"]
    assert controls
    assert dom_count(dom, "n-controls") == len(controls) == len(_rows(dom, "controls"))
    for status in ("pass", "fail", "unknown", "manual"):
        assert dom_count(dom, f"n-ctl-{status}") == sum(c["status"] == status for c in controls)
    # a control row's fail count is the JSON's
    failing = next(c for c in controls if c["counts"]["fail"])
    row = next(r for r in _rows(dom, "controls") if f"<td>{failing['id']}</td>" in r)
    assert f'data-v="{failing["counts"]["fail"]}"' in row
    shot = artifacts(tmp_path) / "scan-report.png"
    chromium(f"--screenshot={shot}", "--window-size=1400,2000", page.as_uri())
    assert shot.stat().st_size > 10_000


def test_the_page_is_self_contained(reports):
    html = reports[1].read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"<link\b|<script\s+src|url\(\s*['\"]?(https?:)?//", html)
    assert "innerHTML" not in html
    assert 'content="default-src &#x27;none&#x27;' in html  # CSP: no fetch of anything


def test_every_failing_finding_names_its_evidence_and_remediation(reports):
    result, page = reports
    html = page.read_text()
    f = next(f for f in result["findings"] if f["status"] == "fail" and f["remediation"])
    assert f["resource"]["id"] in html
    assert f["evidence"][0]["path"] in html


def test_untrusted_strings_stay_text(reports, tmp_path):
    from click.testing import CliRunner

    from scanner.cli import main

    evil = '<img src=x onerror="document.title=\'pwned\'">'
    failing = next(f for f in reports[0]["findings"] if f["status"] == "fail"
                   and f["source"].endswith(".json") and "/azure/" in f["source"])
    source = json.loads(Path(failing["source"]).read_text())
    resources = source["value"] if isinstance(source, dict) else source
    doc = next(r for r in resources if r["id"] == failing["resource"]["id"])
    doc["name"] = evil
    inv = tmp_path / "evil.json"
    inv.write_text(json.dumps({"value": [doc]}))
    page = tmp_path / "evil.html"
    res = CliRunner().invoke(main, ["scan", str(inv), "-o", str(page)])
    assert res.exit_code in (0, 1), res.output
    assert "&lt;img src=x" in page.read_text()
    dom = chromium("--dump-dom", page.as_uri()).stdout
    assert "pwned" not in re.search(r"<title>([^<]*)</title>", dom).group(1)
    assert '<img src="x"' not in dom and "&lt;img src=x" in dom


def test_the_report_sorts_and_filters_in_the_browser(reports, tmp_path):
    """Run the page's own script on clicks and input, then read the DOM it left."""
    result, page = reports
    driver = tmp_path / "drive.html"
    html = page.read_text()
    # the test, not the report, adds a script that clicks "Fail" and filters by status
    probe = ("<script>(function(){var t=document.getElementById('policies');"
             "var th=t.tHead.rows[0].cells[4];th.click();th.click();"
             "document.body.setAttribute('data-first',t.tBodies[0].rows[0].cells[0].textContent);"
             "var box=document.querySelector('.tools[data-table=findings]');var s=box.querySelector('select');"
             "s.value='unknown';s.dispatchEvent(new Event('change'));})();</script></body>")
    driver.write_text(html.replace("</body>", probe))
    dom = chromium("--dump-dom", driver.as_uri()).stdout
    per_policy: dict[str, int] = {}
    for f in result["findings"]:
        per_policy[f["policy_id"]] = per_policy.get(f["policy_id"], 0) + (f["status"] == "fail")
    first = re.search(r'data-first="([^"]*)"', dom).group(1)
    assert per_policy[first] == max(per_policy.values())  # sorted by Fail, descending
    unknown = sum(f["status"] == "unknown" for f in result["findings"])
    assert dom_count(dom, "findings-shown") == unknown


def test_the_page_says_what_was_not_judged(reports):
    result, page = reports
    html = page.read_text()
    cov = result["coverage"]
    read, judged = cov["resources"], cov["judged"]
    assert read > judged  # the soc2 scan of the fixtures leaves some resources unjudged
    assert f"of {read} read, {judged} judged" in html
    shown = cov["uncovered"]["types"] + cov["not_applicable"]["types"]
    for t in shown:
        assert f"<td>{t['type']}</td>" in html and f">{t['count']}</td>" in html
