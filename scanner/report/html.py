"""
`--format html`: one self-contained page for auditors and reviewers.

A summary, then a table per framework control (pass/fail/unknown/manual, like Prowler's
compliance table), one per policy, and the failing resources with their evidence and
remediation; every table sorts by a click on its header and the findings filter by text and
status, with a small inline script (no server, no network: the page's CSP forbids fetching
anything). Failing findings are written as rows to a temp file as they arrive, so memory
stays flat; the page is assembled at `finish`, when the counts are known, summary first.
Every string goes through `html_base.esc`; the script reads attributes and sets
`textContent`, never `innerHTML`.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import IO, Any

from scanner.findings import SEVERITY_RANK, STATUSES, Finding, ScanResult
from scanner.report.html_base import attrs, el, esc, page_head, page_tail
from scanner.report.meta import evidence_text, framework_name

SHOWN = ("fail", "error", "unknown")
"""Statuses listed finding by finding; passes and waivers are counted only."""

CSS = """
.verdict{font-size:1.1rem;font-weight:600;margin:.6rem 0}.cards{display:flex;gap:.6rem;flex-wrap:wrap}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .8rem;min-width:6rem}
.card span{display:block;font-size:1.3rem;font-weight:600}
th{cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}td.n{text-align:right}
tr[data-status=fail] td:first-child,.s-fail{color:#cf222e;font-weight:600}
tr[data-status=unknown] td:first-child,.s-unknown{color:#9a6700;font-weight:600}
tr[data-status=error] td:first-child,.s-error{color:#8250df;font-weight:600}.s-pass{color:#1a7f37}
.tools{margin:.4rem 0}.tools input{width:20rem}pre{white-space:pre-wrap;margin:0;
font:12px ui-monospace,SFMono-Regular,Menlo,monospace;max-width:40rem}.incomplete{color:#cf222e}
"""

SCRIPT = """
(function(){
function key(td){var v=td.getAttribute('data-v');return v!==null?parseFloat(v):td.textContent.toLowerCase();}
document.querySelectorAll('table.sortable').forEach(function(t){
 var hs=t.tHead.rows[0].cells;
 Array.prototype.forEach.call(hs,function(th,i){th.addEventListener('click',function(){
  var asc=th.getAttribute('aria-sort')!=='ascending',b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);
  Array.prototype.forEach.call(hs,function(h){h.removeAttribute('aria-sort');});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  rows.sort(function(x,y){var p=key(x.cells[i]),q=key(y.cells[i]);return (p<q?-1:p>q?1:0)*(asc?1:-1);});
  rows.forEach(function(r){b.appendChild(r);});});});});
document.querySelectorAll('.tools').forEach(function(box){
 var id=box.getAttribute('data-table'),t=document.getElementById(id);
 var text=box.querySelector('input'),status=box.querySelector('select'),shown=document.getElementById(id+'-shown');
 function apply(){var q=text.value.toLowerCase(),s=status?status.value:'',n=0;
  Array.prototype.forEach.call(t.tBodies[0].rows,function(r){
   var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(!s||r.getAttribute('data-status')===s);
   r.hidden=!ok;if(ok){n++;}});
  shown.textContent=String(n);}
 text.addEventListener('input',apply);if(status){status.addEventListener('change',apply);}apply();});
})();
"""


def _num(n: int) -> str:
    return f'<td class="n" data-v="{int(n)}">{int(n)}</td>'


def _thead(*names: str) -> str:
    return "<thead><tr>" + "".join(el("th", n) for n in names) + "</tr></thead>"


def _tools(table_id: str, statuses: tuple[str, ...], total: int) -> str:
    options = '<option value="">all statuses</option>' + "".join(el("option", s, value=s) for s in statuses)
    return (f'<div class="tools"{attrs({"data-table": table_id})}>'
            f'<input type="search" placeholder="filter: any text in the row" aria-label="filter rows"> '
            f'<select aria-label="status">{options}</select> '
            f'<span class="note"><span id="{esc(table_id)}-shown">{total}</span> of {total} shown</span></div>')


def finding_row(f: Finding) -> str:
    """One failing/unknown finding as a table row (every value escaped)."""
    res = f.resource
    where = f.source + (f":{f.line}" if f.line else "")
    cells = [
        el("td", f.status),
        f'<td data-v="{SEVERITY_RANK.get(f.severity, 0)}">{esc(f.severity)}</td>',
        el("td", f.policy_id),
        "<td>" + el("strong", res.get("name") or res.get("id", "")) + "<br>" + el("code", res.get("id", "")) + "</td>",
        el("td", res.get("type", "")),
        el("td", f.message),
        "<td>" + el("pre", evidence_text(f) or "no value observed") + "</td>",
        el("td", f.remediation),
        "<td>" + el("code", where) + "</td>",
    ]
    return f'<tr{attrs({"data-status": f.status})}>' + "".join(cells) + "</tr>\n"


def _verdict(s: dict[str, int], incomplete: int) -> str:
    if s["fail"]:
        text, cls = f"FAIL: {s['fail']} failing finding(s)", "bad"
    elif s["error"] or s["unknown"] or incomplete:
        text, cls = "NOT PROVEN: findings without evidence or an incomplete scan", "bad"
    else:
        text, cls = "PASS: no failing finding", "ok"
    return el("p", text, class_=f"verdict {cls}")


def _cards(items: list[tuple[str, str, int]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card">{esc(label)}<span id="{esc(id_)}">{int(n)}</span></div>'
        for label, id_, n in items) + "</div>"


def controls_section(controls: list[dict[str, Any]]) -> str:
    """Per framework control: status and pass/fail/unknown counts; `manual` when no policy checks it."""
    if not controls:
        return ""
    by = {s: sum(c["status"] == s for c in controls) for s in ("pass", "fail", "unknown", "manual")}
    rows = []
    for c in controls:
        n = c.get("counts", {})
        rows.append(
            f'<tr{attrs({"data-status": c["status"]})}>' + el("td", framework_name(c["framework"]))
            + el("td", c["id"]) + el("td", c["title"]) + el("td", c["status"], class_=f"s-{c['status']}")
            + _num(n.get("pass", 0)) + _num(n.get("fail", 0))
            + _num(n.get("unknown", 0) + n.get("error", 0)) + _num(n.get("waived", 0))
            + el("td", ", ".join(c.get("policies", ())) or "none: check by hand") + "</tr>")
    return (
        "<h2>Controls</h2>"
        + _cards([("controls", "n-controls", len(controls)), ("pass", "n-ctl-pass", by["pass"]),
                  ("fail", "n-ctl-fail", by["fail"]), ("unknown", "n-ctl-unknown", by["unknown"]),
                  ("manual", "n-ctl-manual", by["manual"])])
        + _tools("controls", ("pass", "fail", "unknown", "manual", "not_evaluated", "waived",
                              "not_applicable"), len(controls))
        + '<table id="controls" class="sortable">'
        + _thead("Framework", "Control", "Title", "Status", "Pass", "Fail", "Unknown", "Waived", "Policies")
        + "<tbody>" + "".join(rows) + "</tbody></table>")


def coverage_section(result: ScanResult) -> str:
    """What no policy judged (`result.coverage`): the headline, then a row per type and kind."""
    from scanner.report.coverage_text import headline

    coverage = result.coverage
    kinds = (("no policy checks the type", coverage.uncovered),
             ("every policy's where excluded it", coverage.not_applicable))
    rows = "".join(
        "<tr>" + el("td", t.type) + el("td", why) + el("td", t.count, class_="num")
        + el("td", ", ".join(t.examples)) + "</tr>"
        for why, types in kinds for t in types)
    table = ("<table>" + _thead("Type", "Why not judged", "Resources", "Examples")
             + f"<tbody>{rows}</tbody></table>") if rows else ""
    return "<h2>Coverage</h2>" + el("p", headline(coverage), id="coverage-headline") + table


class HtmlReporter:
    """Spools failing rows as findings arrive; writes the page at `finish`."""

    def __init__(self) -> None:
        self.out: IO[str] | None = None
        self.spool: IO[str] | None = None
        self.shown = 0
        self.per_policy: dict[str, dict[str, int]] = {}

    def start(self, out: IO[str], result: ScanResult) -> None:
        self.out = out
        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in finish
        for p in result.policies:
            self.per_policy[p["id"]] = dict.fromkeys(STATUSES, 0)

    def add(self, finding: Finding) -> None:
        assert self.spool is not None
        self.per_policy.setdefault(finding.policy_id, dict.fromkeys(STATUSES, 0))[finding.status] += 1
        if finding.status in SHOWN:
            self.spool.write(finding_row(finding))
            self.shown += 1

    def finish(self, result: ScanResult) -> None:
        assert self.out is not None and self.spool is not None
        w = self.out.write
        s = result.summary
        n_res = sum(int(i.get("resources", 0)) for i in result.inputs)
        w(page_head(f"ccscan scan {result.scan_id}", CSS))
        w(el("h1", "ccscan scan report"))
        w(el("p", f"scan {result.scan_id} · ccscan {result.tool.get('version', '')} · "
                  f"{result.started_at} to {result.finished_at}", class_="note"))
        w(_verdict(s, len(result.incomplete)))
        w(_cards([("resources", "n-resources", n_res), ("policies", "n-policies", len(result.policies)),
                  *[(st, f"n-{st}", s.get(st, 0)) for st in STATUSES]]))
        for inc in result.incomplete:
            w(el("p", f"INCOMPLETE {inc.get('scope', '')}: {inc.get('reason', '')}", class_="incomplete"))
        w(el("p", "Inputs: " + "; ".join(f"{i.get('source', '')} ({i.get('resources', 0)} resources)"
                                         for i in result.inputs), class_="note"))
        w(controls_section(result.controls))
        w(self._policies(result))
        w(coverage_section(result))
        w("<h2>Failing, unknown and error findings</h2>")
        w(_tools("findings", SHOWN, self.shown))
        w('<table id="findings" class="sortable">'
          + _thead("Status", "Severity", "Policy", "Resource", "Type", "Message", "Evidence",
                   "Remediation", "Source") + "<tbody>\n")
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.out)
        self.spool.close()
        w("</tbody></table>")
        w(page_tail(SCRIPT))

    def _policies(self, result: ScanResult) -> str:
        rows = []
        for p in result.policies:
            n = self.per_policy.get(p["id"], dict.fromkeys(STATUSES, 0))
            status = next((st for st in ("fail", "error", "unknown", "waived", "pass") if n[st]), "not_applicable")
            rows.append(
                f'<tr{attrs({"data-status": status})}>' + el("td", p["id"])
                + f'<td data-v="{SEVERITY_RANK.get(p["severity"], 0)}">{esc(p["severity"])}</td>'
                + el("td", p["title"]) + "".join(_num(n[st]) for st in STATUSES)
                + el("td", (p.get("remediation") or "").strip()) + "</tr>")
        return ("<h2>Policies</h2>" + _tools("policies", ("fail", "error", "unknown", "waived", "pass",
                                                          "not_applicable"), len(rows))
                + '<table id="policies" class="sortable">'
                + _thead("Policy", "Severity", "Title", "Pass", "Fail", "Unknown", "Error", "Waived",
                         "Remediation")
                + "<tbody>" + "".join(rows) + "</tbody></table>")
