"""
JUnit XML output for CI test panes (GitLab, Azure DevOps, Jenkins, GitHub test reporters).

`<testsuites>` > one `<testsuite>` per policy (name = policy id) > one `<testcase>` per
resource (classname = policy id, name = resource id). fail -> `<failure>` with the message
and the observed evidence; error -> `<error>`; waived and unknown -> `<skipped>` with the
reason (waiver owner/expiry, or the missing evidence). Incomplete scopes form a last suite
of `<error>` cases so an unreadable subscription shows in the pane too.

Suites need their counts before their cases and findings do not arrive grouped by policy,
so each case is rendered once into a temporary spool file and only its offset is kept:
memory is a few integers per finding, not the findings.
"""

from __future__ import annotations

import re
import tempfile
from array import array
from typing import IO, Any

from scanner.findings import Finding, ScanResult
from scanner.report.coverage_text import KIND_TEXT
from scanner.report.meta import evidence_text, policy_index, relative_path, waiver_text

_ELEMENT = {"fail": "failure", "error": "error"}
_COUNTED = ("tests", "failures", "errors", "skipped")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters in observed values)."""
    return _NOT_XML.sub("", text)


def _attr(value: Any) -> str:
    return _sax().quoteattr(_clean(str(value)))


def _seconds(result: ScanResult) -> str:
    from scanner.report.ocsf import epoch_ms

    if not result.finished_at:
        return "0"
    ms = epoch_ms(result.finished_at) - epoch_ms(result.started_at)
    return f"{max(ms, 0) / 1000:.3f}"


class JunitReporter:
    """
    Write JUnit XML, grouping findings by policy through a spool file.
    """

    def __init__(self) -> None:
        self._out: IO[str] | None = None
        self._spool: IO[str] | None = None
        self._policies: dict[str, dict[str, Any]] = {}
        self._offsets: dict[str, array[int]] = {}
        self._counts: dict[str, dict[str, int]] = {}

    def start(self, out: IO[str], result: ScanResult) -> None:
        """Open the spool; JUnit's header needs totals, so nothing is written yet."""
        self._out = out
        self._policies = policy_index(result)
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - lives until finish()

    def add(self, finding: Finding) -> None:
        """Render the finding's testcase into the spool and count it."""
        assert self._spool is not None, "start() first"
        xml = self.testcase(finding)
        offsets = self._offsets.setdefault(finding.policy_id, array("q"))
        offsets.append(self._spool.tell())
        self._spool.write(xml)
        counts = self._counts.setdefault(finding.policy_id, dict.fromkeys(_COUNTED, 0))
        counts["tests"] += 1
        kind = {"fail": "failures", "error": "errors", "waived": "skipped", "unknown": "skipped"}
        if finding.status in kind:
            counts[kind[finding.status]] += 1

    def finish(self, result: ScanResult) -> None:
        """Write the document: totals, then each policy's suite read back from the spool."""
        assert self._out is not None and self._spool is not None, "start() first"
        out, spool = self._out, self._spool
        totals = dict.fromkeys(_COUNTED, 0)
        for counts in self._counts.values():
            for k in _COUNTED:
                totals[k] += counts[k]
        totals["tests"] += len(result.incomplete)
        totals["errors"] += len(result.incomplete)
        not_judged = not_judged_cases(result)
        totals["tests"] += len(not_judged)
        totals["skipped"] += len(not_judged)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(
            f'<testsuites name="ccscan" tests="{totals["tests"]}" '
            f'failures="{totals["failures"]}" errors="{totals["errors"]}" '
            f'skipped="{totals["skipped"]}" time="{_seconds(result)}" '
            f'timestamp={_attr(result.started_at)}>\n'
        )
        spool.flush()
        for pid in sorted(self._offsets):
            out.write(self._suite_open(pid, result))
            for offset in self._offsets[pid]:
                spool.seek(offset)
                out.write(spool.readline())
            out.write("  </testsuite>\n")
        if result.incomplete:
            n = len(result.incomplete)
            out.write(
                f'  <testsuite name="ccscan.incomplete" tests="{n}" failures="0" '
                f'errors="{n}" skipped="0" time="0">\n'
            )
            for inc in result.incomplete:
                scope, reason = str(inc.get("scope", "")), str(inc.get("reason", ""))
                out.write(
                    f'    <testcase classname="ccscan.incomplete" name={_attr(scope)} '
                    f'time="0"><error message={_attr(reason)} type="incomplete">'
                    f"{_sax().escape(_clean(reason))}</error></testcase>\n"
                )
            out.write("  </testsuite>\n")
        if not_judged:
            n = len(not_judged)
            out.write(f'  <testsuite name="ccscan.not_judged" tests="{n}" failures="0" '
                      f'errors="0" skipped="{n}" time="0">\n')
            for case in not_judged:
                out.write(case)
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")
        out.flush()
        spool.close()

    def _suite_open(self, pid: str, result: ScanResult) -> str:
        c = self._counts[pid]
        policy = self._policies.get(pid, {})
        props = [("title", policy.get("title", "")), ("severity", policy.get("severity", ""))]
        for fw, ids in (policy.get("frameworks") or {}).items():
            props.append((f"framework.{fw}", " ".join(ids)))
        if policy.get("file"):
            props.append(("file", relative_path(str(policy["file"])) or policy["file"]))
        prop_xml = "".join(
            f"      <property name={_attr(k)} value={_attr(v)}/>\n" for k, v in props if v
        )
        return (
            f"  <testsuite name={_attr(pid)} tests=\"{c['tests']}\" "
            f"failures=\"{c['failures']}\" errors=\"{c['errors']}\" "
            f"skipped=\"{c['skipped']}\" time=\"0\" timestamp={_attr(result.started_at)}>\n"
            f"    <properties>\n{prop_xml}    </properties>\n"
        )

    @staticmethod
    def testcase(finding: Finding) -> str:
        """
        Return one `<testcase>` element on one line (newlines inside are escaped).
        """
        res = finding.resource
        attrs = (
            f"classname={_attr(finding.policy_id)} name={_attr(res.get('id', ''))} time=\"0\""
        )
        path = relative_path(finding.source)
        if path:
            attrs += f" file={_attr(path)}"
            if finding.line is not None:
                attrs += f' line="{finding.line}"'
        body = ""
        status = finding.status
        if status in _ELEMENT:
            detail = f"{finding.message}\n\nObserved:\n{evidence_text(finding)}"
            if finding.remediation:
                detail += f"\n\nRemediation: {finding.remediation}"
            body = (
                f"<{_ELEMENT[status]} message={_attr(finding.message)} "
                f"type={_attr(finding.severity)}>{_text(detail)}</{_ELEMENT[status]}>"
            )
        elif status == "waived":
            body = f"<skipped message={_attr(waiver_text(finding))}/>"
        elif status == "unknown":
            body = f"<skipped message={_attr('insufficient evidence: ' + finding.message)}/>"
        return f"    <testcase {attrs}>{body}</testcase>\n"


def not_judged_cases(result: ScanResult) -> list[str]:
    """
    One skipped `<testcase>` per type no selected policy judged (classname
    `ccscan.uncovered` or `ccscan.not_applicable`): a CI pane shows what was not looked at.
    """
    cases = []
    for kind, types in (("uncovered", result.coverage.uncovered),
                        ("not_applicable", result.coverage.not_applicable)):
        why = KIND_TEXT[kind]
        for t in types:
            examples = ", ".join(t.examples)
            message = f"{t.count} resource(s) not judged: {why}" + (f" (e.g. {examples})" if examples else "")
            cases.append(f"    <testcase classname=\"ccscan.{kind}\" name={_attr(t.type)} time=\"0\">"
                         f"<skipped message={_attr(message)}/></testcase>\n")
    return cases


def _text(value: str) -> str:
    """Escape element text and keep the case on one spool line (`&#10;` is a newline)."""
    return _sax().escape(_clean(value)).replace("\r", "&#13;").replace("\n", "&#10;")


def _sax() -> Any:
    # Imported on first use: xml.sax.saxutils pulls in urllib.request, http.client and
    # email (~15 ms), which every scan paid at start-up for a format few runs choose.
    from xml.sax import saxutils

    return saxutils
