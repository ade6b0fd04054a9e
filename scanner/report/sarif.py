"""
SARIF 2.1.0 output, shaped for GitHub code scanning (and Azure DevOps / GitLab viewers).

`scan`: one rule per policy; one result per fail/unknown/error finding and per waived
finding (as an external, accepted suppression, so GitHub closes the alert as dismissed
rather than "fixed"); passes are results only with `include_passes` (`--sarif-all`).
GitHub code scanning rejects a run over 25,000 results or an upload over 10 MB gzipped, so
results stop at `max_results` or when a running gzip estimate nears `max_gzip_bytes`; what
was left out is counted in a warning and in the invocation's notifications. Each result points at the inventory file (and the resource's line, where
known) and names the resource id as a logical location; `partialFingerprints` carries the
stable finding id so alerts follow the resource across scans, not the line.
`lint`: `render_lint` turns lint messages into results at policy file:line:col.
Results stream: the head (rules) is written at `start`, each result as it arrives.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import quote

from scanner.findings import Finding, ScanResult
from scanner.report.coverage_text import headline
from scanner.report.meta import (
    dumps,
    evidence_text,
    framework_name,
    policy_index,
    relative_path,
    waiver_text,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/ccscan/"
FINGERPRINT_KEY = "ccscanFindingId/v1"

# GitHub reads `security-severity` as: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium,
# 0.1-3.9 low; info gets none, so GitHub files it by `level` (note) as a non-security alert.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
MAX_TAGS = 20
"""GitHub code scanning: tags per rule."""
MAX_RESULTS = 25_000
"""GitHub code scanning: results per run it accepts."""
GITHUB_GZIP_LIMIT = 10 * 1000 * 1000
"""10 MB, read as decimal megabytes: the stricter reading of GitHub's limit."""
MAX_GZIP_BYTES = GITHUB_GZIP_LIMIT - 512 * 1024
"""GitHub's 10 MB gzip upload limit, less room for the log's tail and a different gzip level."""

logger = logging.getLogger(__name__)

LINT_LEVEL = {"error": "error", "warning": "warning", "info": "note", "note": "note"}


def _rule_name(title: str) -> str:
    """Return a PascalCase identifier for a rule (SARIF `name` must not be prose)."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words)[:100] or "Rule"


def _uri(path: str) -> str:
    return quote(path, safe="/:._-~")


def policy_rule(policy: dict[str, Any]) -> dict[str, Any]:
    """
    Return the SARIF reportingDescriptor for one policy entry of `ScanResult.policies`.
    """
    pid = policy["id"]
    title = policy.get("title") or pid
    severity = policy.get("severity") or "medium"
    remediation = policy.get("remediation") or ""
    references = list(policy.get("references") or [])
    frameworks = policy.get("frameworks") or {}
    controls = [f"{framework_name(f)} {c}" for f, ids in frameworks.items() for c in ids]
    md = [f"**{title}**", ""]
    text = [title]
    if remediation:
        md += ["**Remediation:** " + remediation, ""]
        text.append("Remediation: " + remediation)
    if controls:
        md += ["**Controls:** " + ", ".join(controls), ""]
        text.append("Controls: " + ", ".join(controls))
    if references:
        md += ["**References:**"] + [f"- <{r}>" for r in references]
        text.append("References: " + " ".join(references))
    props: dict[str, Any] = {
        # GitHub ignores a rule's tags past the 20th; the full list stays in `help`
        "tags": (["security", "compliance"]
                 + [f"{f}:{c}" for f, ids in frameworks.items() for c in ids])[:MAX_TAGS],
        "precision": "very-high",
        "problem.severity": {"error": "error", "warning": "warning"}.get(
            LEVEL[severity], "recommendation"
        ),
        "ccscan-severity": severity,
    }
    if severity in SECURITY_SEVERITY:
        props["security-severity"] = SECURITY_SEVERITY[severity]
    rule: dict[str, Any] = {
        "id": pid,
        "name": _rule_name(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": policy.get("description") or title},
        "help": {"text": "\n".join(text), "markdown": "\n".join(md).strip()},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": props,
    }
    if references:
        rule["helpUri"] = references[0]
    return rule


def _location(path: str | None, line: int | None, col: int | None = None) -> dict[str, Any]:
    """Return a location in a repository file (none for a live source with no file)."""
    if not path:
        return {}
    if path.startswith("/"):  # outside the working tree: an absolute file URI, no base
        artifact: dict[str, Any] = {"uri": "file://" + _uri(path)}
    else:
        artifact = {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}
    phys: dict[str, Any] = {"artifactLocation": artifact}
    if line:
        region: dict[str, Any] = {"startLine": line}
        if col:
            region["startColumn"] = col
        phys["region"] = region
    return {"physicalLocation": phys}


class SarifReporter:
    """
    Stream a SARIF 2.1.0 log with one run; results are written as they arrive.
    """

    def __init__(
        self, include_passes: bool = False, max_results: int = MAX_RESULTS,
        max_gzip_bytes: int = MAX_GZIP_BYTES, upload_limit: int = GITHUB_GZIP_LIMIT,
    ) -> None:
        self.include_passes = include_passes
        """`--sarif-all`: passing findings are results too (level `none`, kind `pass`)."""
        self.max_results = max_results
        self.max_gzip_bytes = max_gzip_bytes
        """Results stop when the gzip estimate would pass this."""
        self.upload_limit = upload_limit
        """The whole log's bound, tail included (the baseline's resolved list may shrink)."""
        self._out: IO[str] | None = None
        self._rule_index: dict[str, int] = {}
        self._policy_files: dict[str, str | None] = {}
        self._count = 0
        self._left_out: dict[str, int] = {}
        # A deflate stream on the side measures what the upload will weigh. Bytes it has not
        # emitted yet are counted uncompressed, so the estimate never falls below the truth.
        self._zip = zlib.compressobj(6, zlib.DEFLATED, 31)
        self._zipped = 0
        self._pending = 0

    def _write(self, text: str) -> None:
        assert self._out is not None, "start() first"
        self._out.write(text)
        data = text.encode()
        emitted = len(self._zip.compress(data))
        self._zipped += emitted
        self._pending = len(data) if emitted else self._pending + len(data)

    def _gzip_estimate(self, extra: int = 0) -> int:
        """An upper bound on the gzip size so far, plus `extra` raw bytes."""
        return self._zipped + self._pending + extra + 64

    def start(self, out: IO[str], result: ScanResult) -> None:
        """Write the log head: tool, rules (one per policy) and the opening of `results`."""
        self._out = out
        policies = list(policy_index(result).values())
        rules = [policy_rule(p) for p in policies]
        self._rule_index = {r["id"]: i for i, r in enumerate(rules)}
        self._policy_files = {p["id"]: relative_path(str(p.get("file") or "")) for p in policies}
        driver = {
            "name": "ccscan",
            "version": result.tool.get("version", ""),
            "semanticVersion": result.tool.get("version", ""),
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }
        head = {
            "tool": {"driver": driver},
            # GitHub keys alert sets by category (the part before the last "/"), so scan
            # and lint uploads do not close each other's alerts.
            "automationDetails": {"id": f"ccscan/scan/{result.scan_id}"},
            "columnKind": "unicodeCodePoints",
        }
        self._write(f'{{"$schema":"{SCHEMA_URI}","version":"2.1.0","runs":[')
        self._write(dumps(head)[:-1] + ',"results":[\n')

    def add(self, finding: Finding) -> None:
        """
        Write a result for a failing or waived finding (and a passing one with
        `include_passes`), unless the run is full; then only count it as left out.
        """
        if finding.status == "pass" and not self.include_passes:
            return
        if self._count >= self.max_results:
            self._leave_out(finding)
            return
        text = ("," if self._count else "") + dumps(self.result(finding)) + "\n"
        # Raw length is an upper bound on what it adds to the gzip stream.
        if self._gzip_estimate(len(text.encode())) > self.max_gzip_bytes:
            self._leave_out(finding)
            return
        self._write(text)
        self._count += 1

    def _leave_out(self, finding: Finding) -> None:
        self._left_out[finding.status] = self._left_out.get(finding.status, 0) + 1

    def left_out(self) -> int:
        """How many findings the run had no room for."""
        return sum(self._left_out.values())

    def finish(self, result: ScanResult) -> None:
        """Close `results`; record the invocation and any incomplete scope."""
        assert self._out is not None, "start() first"
        notes = [
            {
                "level": "error",
                "message": {"text": f"incomplete: {i.get('scope')}: {i.get('reason')}"},
                "descriptor": {"id": "incomplete"},
            }
            for i in result.incomplete
        ]
        if result.coverage.not_judged:
            notes.append({"level": "warning", "message": {"text": headline(result.coverage)},
                          "descriptor": {"id": "not-judged"}})
        if self._left_out:
            counts = ", ".join(f"{n} {s}" for s, n in sorted(self._left_out.items()))
            why = (f"GitHub code scanning accepts at most {self.max_results} results per run "
                   f"and {self.max_gzip_bytes} bytes gzipped")
            text = (f"SARIF truncated: {self.left_out()} findings left out ({counts}) after "
                    f"{self._count} results; {why}. The json, csv or ocsf formats carry all.")
            logger.warning("%s", text)
            notes.append({"level": "warning", "message": {"text": text},
                          "descriptor": {"id": "results-truncated"}})
        invocation: dict[str, Any] = {
            "executionSuccessful": not result.incomplete and not result.summary.get("error"),
            "startTimeUtc": result.started_at,
            "toolExecutionNotifications": notes,
        }
        if result.finished_at:
            invocation["endTimeUtc"] = result.finished_at
        props: dict[str, Any] = {"summary": result.summary, "scan_id": result.scan_id,
                 "coverage": result.coverage.to_dict()}
        for key in ("waivers", "baseline"):
            if key in result.extra:
                props[key] = result.extra[key]
        if self._left_out:
            props["truncated"] = {"results": self._count, "left_out": dict(self._left_out)}
        tail = f'],"invocations":[{dumps(invocation)}],"properties":{dumps(props)}}}]}}\n'
        baseline = props.get("baseline")
        if (isinstance(baseline, dict) and isinstance(baseline.get("resolved"), list)
                and self._gzip_estimate(len(tail.encode())) > self.upload_limit):
            # The baseline's resolved findings are whole old findings: a long list of them
            # must not push the log past the upload limit. Their count stays; `diff` has them.
            props["baseline"] = {**baseline, "resolved": len(baseline["resolved"]),
                                 "resolved_listed": False}
            tail = f'],"invocations":[{dumps(invocation)}],"properties":{dumps(props)}}}]}}\n'
        if self._gzip_estimate(len(tail.encode())) > self.upload_limit:
            # thousands of unjudged types' example ids must not push the log past the limit
            # either: the counts per type stay, the JSON result has the ids
            cov = props["coverage"]
            for kind in ("uncovered", "not_applicable"):
                cov[kind]["types"] = [{**t, "examples": []} for t in cov[kind]["types"]]
            tail = f'],"invocations":[{dumps(invocation)}],"properties":{dumps(props)}}}]}}\n'
        self._write(tail)
        self._out.flush()

    def result(self, finding: Finding) -> dict[str, Any]:
        """
        Return the SARIF result for one finding.
        """
        status = finding.status
        original = (finding.waiver or {}).get("original_status", "fail")
        shown = original if status == "waived" else status
        if shown == "pass":
            level, prefix = "none", "Passed: "
        elif shown == "fail":
            level, prefix = LEVEL[finding.severity], ""
        elif shown == "unknown":
            level, prefix = "warning", "Insufficient evidence: "
        else:
            level, prefix = "error", "Evaluation error: "
        res = finding.resource
        text = f"{prefix}{finding.message} [{res.get('type', '')} {res.get('name', '')}]"
        path = relative_path(finding.source) or self._policy_files.get(finding.policy_id)
        location = _location(path, finding.line if relative_path(finding.source) else None)
        location["logicalLocations"] = [
            {"fullyQualifiedName": str(res.get("id", "")), "name": str(res.get("name", "")),
             "kind": "resource"}
        ]
        out: dict[str, Any] = {
            "ruleId": finding.policy_id,
            "level": level,
            "message": {"text": text},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: finding.id},
            "properties": {
                "ccscan-status": status,
                "resource": res,
                "evidence": evidence_text(finding),
            },
        }
        if shown == "pass":
            out["kind"] = "pass"
        if finding.policy_id in self._rule_index:
            out["ruleIndex"] = self._rule_index[finding.policy_id]
        if finding.baseline:
            # SARIF's own baselineState: new / unchanged (resolved ones are not in this run)
            out["baselineState"] = finding.baseline
        if status == "waived":
            w = finding.waiver or {}
            out["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": waiver_text(finding),
                    "properties": {k: w[k] for k in ("owner", "expires", "reason") if k in w},
                }
            ]
        return out


def render_lint(messages: Iterable[Any], out: IO[str], version: str) -> None:
    """
    Write lint messages as a SARIF log: one result per message at its file:line:col.

    A message is a mapping or object with `path`, `line`, `col`, `severity`
    (error/warning/info), `rule` and `message`.
    """
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for m in messages:
        get = m.get if isinstance(m, dict) else lambda k, _m=m: getattr(_m, k, None)
        rule = str(get("rule") or "lint")
        level = LINT_LEVEL.get(str(get("severity") or "error"), "error")
        if rule not in rules:
            rules[rule] = {
                "id": rule,
                "name": _rule_name(rule.replace("-", " ")),
                "shortDescription": {"text": f"ccscan lint: {rule}"},
                "defaultConfiguration": {"level": level},
            }
        path = relative_path(str(get("path") or "")) or str(get("path") or "")
        results.append(
            {
                "ruleId": rule,
                "ruleIndex": list(rules).index(rule),
                "level": level,
                "message": {"text": str(get("message") or "")},
                "locations": [_location(path, get("line"), get("col"))],
                "partialFingerprints": {
                    "ccscanLint/v1": f"{path}:{rule}:{get('message')}",
                },
            }
        )
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ccscan",
                        "version": version,
                        "semanticVersion": version,
                        "informationUri": INFORMATION_URI,
                        "rules": list(rules.values()),
                    }
                },
                "automationDetails": {"id": "ccscan/lint/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    out.write(json.dumps(log, indent=2, default=str) + "\n")
