"""
`ccscan --help` / `--version` import nothing they do not need: no cloud SDK, no parser,
reporter or shipping code (bench/lint.py times them; the target is < 0.1 s).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_PROBE = """
import json, sys
from scanner.cli import main
try:
    main([sys.argv[1]])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""

HEAVY = ("azure", "boto3", "botocore", "jsonschema", "yaml", "cryptography", "orjson", "re2",
         "ijson", "urllib.request", "http.client", "email", "ssl", "xml", "scanner.report", "scanner.engine",
         "scanner.scan", "scanner.policy", "scanner.ship.batch", "scanner.ship.reader",
         "scanner.ship.sentinel", "scanner.ship.splunk", "scanner.ship.s3",
         "scanner.inventory.files", "scanner.inventory.jsonstream", "scanner.inventory.formats",
         "dask", "distributed", "scanner.distributed")


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_nothing_heavy(flag):
    out = subprocess.run([sys.executable, "-c", _PROBE, flag], capture_output=True, text=True,
                         check=True)
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert "scanner.cli" in modules
    loaded = [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert loaded == []
