"""
Output formats: one module each, all behind the `Reporter` interface.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.report.interface import Reporter
from scanner.report.json_report import JsonReporter
from scanner.report.table import TableReporter

FORMATS: dict[str, Callable[[], Reporter]] = {
    "table": TableReporter,
    "json": JsonReporter,
}
"""Format name -> reporter class (constructed with no arguments)."""

EXTENSIONS: dict[str, str] = {
    "table": "txt",
    "json": "json",
}
"""File name ending per format, used by `--output-dir`."""

__all__ = ["EXTENSIONS", "FORMATS", "JsonReporter", "Reporter", "TableReporter"]
