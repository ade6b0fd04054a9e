"""
Sanitising: the one place that decides what is secret (DESIGN.md: engine -> sanitise ->
findings -> reports / evidence / SIEM).

A secret becomes `[REDACTED sha256:<first 16 hex of sha256 of the value>]`, so two reports
can still show that a value changed (or did not) without showing it.

    from scanner.sanitise import Sanitiser
    stage = Sanitiser()
    safe = stage.finding(finding)          # evidence, message, resource identity, source
    doc = stage.document(resource.doc)     # a whole resource (bundle inventory)
    text = stage.text(reason)              # free text

Modules: `names` (which keys hold secrets), `patterns` (secret-looking texts, RE2),
`text` (free text, base64 included), `values` (values and documents), `stage` (findings,
resources, the scan result header).
"""

from scanner.sanitise.names import is_secret_name
from scanner.sanitise.stage import Sanitiser
from scanner.sanitise.text import MARK_PREFIX, mark, sanitise_text
from scanner.sanitise.values import sanitise_document, sanitise_value

__all__ = [
    "MARK_PREFIX",
    "Sanitiser",
    "is_secret_name",
    "mark",
    "sanitise_document",
    "sanitise_text",
    "sanitise_value",
]
