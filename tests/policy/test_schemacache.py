"""
The schema-validation cache: a hit only for a byte-identical clean document; errors are never
cached; an unusable cache is no cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GOOD = """\
id: T-CACHE-1
title: t
severity: low
resource: Microsoft.Storage/storageAccounts
assert: {field: properties.supportsHttpsTrafficOnly, equals: true}
tests:
  - {name: p, expect: pass, resource: {properties: {supportsHttpsTrafficOnly: true}}}
  - {name: f, expect: fail, resource: {properties: {supportsHttpsTrafficOnly: false}}}
"""

ROOT = Path(__file__).resolve().parents[2]

PROBE = ("import sys\nfrom scanner.policy.lint import lint\nfrom pathlib import Path\n"
         "_, msgs = lint([Path(sys.argv[1])])\n"
         "print('jsonschema' in sys.modules, len([m for m in msgs if m.severity == 'error']))\n")


def run(tmp_path, policy, cache):
    # The rest of the environment is kept (a mutation-testing run selects its mutant there).
    env = {**os.environ, "HOME": str(tmp_path), "CCSCAN_CACHE_DIR": str(cache)}
    env.pop("XDG_CACHE_HOME", None)
    out = subprocess.run([sys.executable, "-c", PROBE, str(policy)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_unchanged_clean_file_skips_validation_and_any_change_validates(tmp_path):
    cache = tmp_path / "cache"
    p = tmp_path / "p.yaml"
    p.write_text(GOOD)
    assert run(tmp_path, p, cache) == (True, 0)   # first time: full validation
    assert run(tmp_path, p, cache) == (False, 0)  # unchanged: no jsonschema at all
    p.write_text(GOOD.replace("severity: low", "severity: lowest"))
    assert run(tmp_path, p, cache) == (True, 1)   # changed: validated, and the error found
    assert run(tmp_path, p, cache) == (True, 1)   # errors are never cached


def test_a_garbage_or_unwritable_cache_is_no_cache(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "schema-valid-v1.txt").write_bytes(b"\xff\x00not hex\n" * 100)
    p = tmp_path / "p.yaml"
    p.write_text(GOOD.replace("severity: low", "severity: lowest"))
    assert run(tmp_path, p, cache) == (True, 1)
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    assert run(tmp_path, p, blocked) == (True, 1)
    assert run(tmp_path, p, "off") == (True, 1)
