"""
`collect --shard-by` output scanned with `--dask`: the same result as one process, and the
manifest's checks (scanner.inventory.shards) still see every shard's header and sha256.
"""

from __future__ import annotations

import pytest
from test_shards import first_shard, shards  # noqa: F401 - the fixtures (arm: conftest.py)

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, host="127.0.0.1",
                      protocol="tcp", dashboard_address=None) as c:
        yield c.scheduler_address


def test_shards_scan_alike_and_an_edited_shard_is_still_refused(shards, ccscan, cluster):  # noqa: F811
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    one = ccscan("scan", str(shards), "--format", "json", "--scan-id", "x", "--fail-on", "none", env=env)
    dask = ccscan("scan", str(shards), "--format", "json", "--scan-id", "x", "--fail-on", "none",
                  "--dask", cluster, env=env)
    assert one.exit_code == 0, one.stderr
    assert '"resources": ' in one.stdout and dask.stdout == one.stdout, dask.stderr
    shard = first_shard(shards)
    lines = shard.read_text(encoding="utf-8").splitlines(keepends=True)
    shard.write_text("".join(lines[:-1]), encoding="utf-8")  # one resource fewer
    res = ccscan("scan", str(shards), "--dask", cluster)
    assert res.exit_code == 2 and "sha256 differs" in res.stderr and shard.name in res.stderr
