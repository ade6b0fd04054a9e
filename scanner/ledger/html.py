"""
The period report as one self-contained HTML file: a timeline per control (one cell per
scan, coloured by status), its exceptions, cadence gaps, population changes and the scans.

The summary counts are filled by a few lines of script from the rendered elements
(`textContent` only), so what the page says is what it shows.
"""

from __future__ import annotations

from typing import Any

from scanner.report.html_base import el, esc, page, table

_CSS = """
.tl{display:flex;flex-wrap:wrap;gap:2px;margin:.3rem 0}.cell{width:12px;height:18px;
border-radius:2px;background:#afb8c1}.s-pass{background:#2da44e}.s-fail{background:#cf222e}
.s-unknown,.s-error{background:#bf8700}.s-manual,.s-not_evaluated{background:#8c959f}
.s-waived{background:#8250df}.inc{outline:2px dashed #bf8700}.summary span{font-weight:600}
"""

_SUMMARY = (
    "<p class=\"summary\">Scans: <span id=\"n-scans\">?</span> · controls: "
    "<span id=\"n-controls\">?</span> · held in every scan: <span id=\"n-held\">?</span> · "
    "exceptions: <span id=\"n-exceptions\">?</span> · cadence gaps: "
    "<span id=\"n-gaps\">?</span></p>"
)

_SCRIPT = """
(function(){
  function set(id, n){ document.getElementById(id).textContent = String(n); }
  set('n-scans', document.querySelectorAll('#scans tbody tr').length);
  set('n-controls', document.querySelectorAll('section.control').length);
  set('n-held', document.querySelectorAll('section.control[data-held="true"]').length);
  set('n-exceptions', document.querySelectorAll('tr.exception').length);
  set('n-gaps', document.querySelectorAll('#gaps tbody tr').length);
})();
"""


def render_html(report: dict[str, Any]) -> str:
    """Return the whole HTML document for a period report (`build_report`)."""
    period = report["period"]
    parts = [
        el("h1", f"ccscan ledger report: {period['from']} to {period['to']}"),
        "<p class=\"note\">Ledger " + el("code", report["ledger"]) + ", every bundle verified "
        "with key " + el("code", report["key_id"]) + ". " + esc(report["clock"]) + "</p>",
        _SUMMARY,
        el("h2", "Controls"),
    ]
    parts += [_control(c) for c in report["controls"]]
    parts += [el("h2", "Cadence gaps"), _gaps(report["cadence_gaps"])]
    parts += [el("h2", "Population changes"), _population(report["population"])]
    parts += [el("h2", "Scans"), _scans(report["scans"])]
    return page("ccscan ledger report", "".join(parts), _CSS, _SCRIPT)


def _ref(ref: dict[str, Any] | None) -> str:
    if not ref:
        return "—"
    return (f"#{esc(ref['sequence'])} {esc(ref['time'])} "
            + el("code", ref["sha256"][:12], title=ref["sha256"]))


def duration(seconds: int | None) -> str:
    """`4d 0h`, `5h 30m`: durations as an auditor reads them."""
    if seconds is None:
        return "—"
    d, rest = divmod(int(seconds), 86400)
    h, rest = divmod(rest, 3600)
    return f"{d}d {h}h" if d else f"{h}h {rest // 60}m"


def _control(c: dict[str, Any]) -> str:
    held = c["held"]
    verdict = ("held in every scan" if held else "NOT held in every scan") + " · " + ", ".join(
        f"{k} {v}" for k, v in c["statuses"].items())
    if c["incomplete_scans"]:
        verdict += f" · {c['incomplete_scans']} incomplete scan(s)"
    cells = "".join(
        el("span", "", class_=f"cell s-{t['status']}" + (" inc" if t["incomplete"] else ""),
           title=f"#{t['sequence']} {t['time']} {t['status']}"
                 + (" (incomplete scan)" if t["incomplete"] else ""))
        for t in c["timeline"])
    rows = [
        [esc(e["policy"]), el("code", e["resource"]), _ref(e["first_seen"]), _ref(e["last_seen"]),
         _ref(e["resolved_by"]) if e["resolved_by"] else "<span class=\"bad\">open</span>",
         esc(duration(e["duration_seconds"]))]
        for e in c["exceptions"]
    ]
    ex = ""
    if rows:
        ex = table(["policy", "resource", "first seen", "last seen", "resolved by", "duration"],
                   rows, row_class="exception")
        ex += el("p", f"Longest time to remediate: {duration(c['longest_time_to_remediate_seconds'])}"
                 f"; open exceptions: {c['open_exceptions']}", class_="note")
    return (
        f"<section class=\"control\" data-held=\"{'true' if held else 'false'}\" "
        f"data-control=\"{esc(c['framework'])}:{esc(c['id'])}\">"
        + el("h3", f"{c['framework']} {c['id']}: {c['title']}")
        + el("p", verdict, class_="ok" if held else "bad")
        + f"<div class=\"tl\">{cells}</div>{ex}</section>"
    )


def _gaps(gaps: list[dict[str, Any]]) -> str:
    rows = [[esc(g["kind"]), esc(g["from"]), esc(g["to"]), esc(duration(g["seconds"])),
             esc(duration(g["cadence_seconds"])), _ref(g["after"]), _ref(g["before"])]
            for g in gaps]
    return table(["where", "from", "to", "length", "cadence", "after", "before"], rows, id="gaps")


def _population(pop: dict[str, Any]) -> str:
    rows = [["appeared", el("code", a["resource"]), _ref(a["scan"])] for a in pop["appeared"]]
    rows += [["disappeared", el("code", d["resource"]), _ref(d["gone_in"])]
             for d in pop["disappeared"]]
    return table(["change", "resource", "scan"], rows, id="population")


def _scans(scans: list[dict[str, Any]]) -> str:
    rows = [[esc(s["sequence"]), esc(s["time"]), esc(s["appended_at"] or "not recorded"),
             esc(s["scan_id"]), esc(s["resources"]), esc(s["failing"]),
             el("code", s["sha256"])] for s in scans]
    return table(["#", "scan time (signer's clock)", "appended (appender's clock)", "scan id",
                  "resources", "failing", "bundle sha256"], rows, id="scans")
