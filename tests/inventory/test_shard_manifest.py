"""
scanner.inventory.shards.verify on hand-made headers: what a manifest must list, and any header
shape at all giving either no error or an InputError (never another exception).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.errors import InputError
from scanner.inventory.shards import verify


@dataclass
class Read:
    path: Path
    sha256: str = ""
    header: dict[str, Any] = field(default_factory=dict)


def shard_set(tmp: Path, run: str = "run-1") -> list[Read]:
    files = []
    entries = []
    for key in ("a1", "b2"):
        path = tmp / f"aws-{key}.jsonl"
        path.write_text(f"{key}\n")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        files.append(Read(path, digest, {"shard": {"run": run, "key": key}}))
        entries.append({"file": path.name, "sha256": digest})
    manifest = tmp / "ccscan-shards.jsonl"
    manifest.write_text("{}\n")
    files.append(Read(manifest, "0" * 64, {"shard_manifest": {"run": run, "shards": entries}}))
    return files


def test_a_whole_shard_set_passes_and_each_kind_of_gap_is_named(tmp_path):
    files = shard_set(tmp_path)
    verify(files, [tmp_path])
    with pytest.raises(InputError, match="shard aws-b2.jsonl listed in this manifest was not scanned"):
        verify([files[0], files[2]], [tmp_path])
    files[1].sha256 = "f" * 64
    with pytest.raises(InputError, match="aws-b2.jsonl is not the file this manifest lists"):
        verify(files, [tmp_path])


def test_a_shard_of_another_run_listed_by_sha256_is_still_refused(tmp_path):
    files = shard_set(tmp_path)
    files[0].header["shard"]["run"] = "run-0"
    with pytest.raises(InputError, match="collection run run-0, not the run of the manifest"):
        verify(files, [tmp_path])


def test_shards_without_a_manifest_pass_only_when_named(tmp_path):
    shards = shard_set(tmp_path)[:2]
    with pytest.raises(InputError, match="found without its manifest"):
        verify(shards, [tmp_path])
    verify(shards, [s.path for s in shards])
    verify([Read(Path("-"), "", {"shard": {"run": "r"}})], [Path("-")])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
entries = st.fixed_dictionaries({}, optional={
    "file": st.sampled_from(["aws-a1.jsonl", "../x.jsonl", "a/b.jsonl", "", "aws-a1.JSONL"]) | json_values,
    "sha256": st.sampled_from(["0" * 64, "A" * 64, "0" * 63]) | json_values,
})
manifests = st.fixed_dictionaries({}, optional={
    "run": st.sampled_from(["run-1", ""]) | json_values,
    "shards": st.lists(entries, max_size=3) | json_values,
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifest=manifests | json_values, shard=st.fixed_dictionaries({}, optional={"run": json_values}) | json_values)
def test_any_header_shape_is_accepted_or_an_input_error(tmp_path, manifest, shard):
    files = shard_set(tmp_path)
    files[2].header = {"shard_manifest": manifest}
    files[0].header = {"shard": shard}
    try:
        verify(files, [tmp_path])
    except InputError as e:
        assert e.path is not None and json.dumps(str(e))
