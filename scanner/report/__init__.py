"""
Output formats: one module each, all behind the `Reporter` interface.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.report.csv_report import CsvReporter
from scanner.report.html import HtmlReporter
from scanner.report.interface import Reporter
from scanner.report.json_report import JsonReporter
from scanner.report.junit import JunitReporter
from scanner.report.ocsf import OcsfReporter
from scanner.report.sarif import SarifReporter
from scanner.report.table import TableReporter

FORMATS: dict[str, Callable[[], Reporter]] = {
    "table": TableReporter,
    "json": JsonReporter,
    "ocsf": OcsfReporter,
    "sarif": SarifReporter,
    "junit": JunitReporter,
    "csv": CsvReporter,
    "html": HtmlReporter,
}
"""Format name -> reporter class (constructed with no arguments)."""

EXTENSIONS: dict[str, str] = {
    "table": "txt",
    "json": "json",
    "ocsf": "ocsf.jsonl",
    "sarif": "sarif",
    "junit": "junit.xml",
    "csv": "csv",
    "html": "html",
}
"""File name ending per format, used by `--output-dir`."""

__all__ = [
    "EXTENSIONS", "FORMATS", "CsvReporter", "HtmlReporter", "JsonReporter", "JunitReporter", "OcsfReporter", "Reporter",
    "SarifReporter", "TableReporter",
]
