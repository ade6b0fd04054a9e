"""
`scan --dask` gives the same bytes as `--workers 1`: result JSON, SARIF and the signed bundle,
relationship policies included (their index is built in the client and shipped), the same
error for a broken record in any shard, and one line with exit 2 or 3 when the cluster cannot
do its part. Clusters run on 127.0.0.1 only.

Ranges are made tiny so that a few small shards span many tasks.
"""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import pytest

from scanner import distributed, parallel

pytest.importorskip("distributed")

from distributed import LocalCluster, WorkerPlugin

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 16 * 1024)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


CVM = "/subscriptions/s9/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/"
DES = "/subscriptions/s1/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/"


def _chain() -> tuple[list[dict], list[dict], list[dict]]:
    """
    CCS-AZ-VM-006's own test resources, spread over three shards: the key chain of its passing
    case (set des1, key, vault) in shard 0, a set of the wrong type (des2) in shard 1, and in
    shard 2 two Confidential VMs, cvm-a on des1 (pass) and cvm-b on des2 (fail).
    """
    from scanner.scan import load_policies

    policy = next(p for p in load_policies(None).policies if p.id == "CCS-AZ-VM-006")
    good, wrong = policy.tests[0], policy.tests[2]
    assert good.expect == "pass" and wrong.expect == "fail"
    des2 = {**wrong.related[0], "id": DES + "des2"}
    vms = []
    for name, des in (("cvm-a", "des1"), ("cvm-b", "des2")):
        vm = json.loads(json.dumps(good.resource))
        vm["id"] = CVM + name
        vm["properties"]["storageProfile"]["osDisk"]["managedDisk"]["securityProfile"][
            "diskEncryptionSet"]["id"] = DES + des
        vms.append(vm)
    return list(good.related), [des2], vms


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> list[Path]:
    """A generated estate (header first) cut into three shards, with the chain of `_chain`."""
    from test_parallel import _generate

    folder = tmp_path_factory.mktemp("shards")
    whole = folder / "whole.jsonl"
    with whole.open("wb") as f:
        _generate().write_inventory(f, 600, seed=5, fmt="jsonl")
    lines = whole.read_bytes().splitlines(keepends=True)
    whole.unlink()
    paths = []
    for i, (part, chain) in enumerate(zip((lines[:200], lines[200:420], lines[420:]), _chain(),
                                          strict=True)):
        extra = [json.dumps(doc).encode() + b"\n" for doc in chain]
        p = folder / f"shard-{i}.jsonl"
        p.write_bytes(b"".join([*part[:100], *extra, *part[100:]]))
        paths.append(p)
    return paths


@pytest.fixture(scope="module")
def threads_cluster():
    """Two thread workers behind a real TCP scheduler on 127.0.0.1 (quick to start)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, host="127.0.0.1", protocol="tcp",
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def scan(ccscan, tmp_path, inventory, name, *extra):
    out = tmp_path / name
    out.mkdir(exist_ok=True)
    res = ccscan("scan", *inventory, "--scan-id", "fixed", "--format", "json", "-o", out / "r.json",
                 "--format", "sarif", "-o", out / "r.sarif", *extra)
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    return res.exit_code, res.stderr, files


def test_same_bytes_as_one_process(ccscan, tmp_path, shards, threads_cluster):
    one = scan(ccscan, tmp_path, shards, "one", "--workers", "1")
    dask = scan(ccscan, tmp_path, shards, "dask", "--dask", threads_cluster)
    assert one[0] == 1, one[1]
    result = json.loads(one[2]["r.json"])
    assert [i["source"].rsplit("/", 1)[-1] for i in result["inputs"]] == [
        "shard-0.jsonl", "shard-1.jsonl", "shard-2.jsonl"]
    assert len(result["findings"]) > 1000
    assert dask == one


def test_json_alone_comes_back_as_bytes(ccscan, tmp_path, shards, threads_cluster, monkeypatch):
    def refuse(t):
        raise AssertionError("the client rebuilt a finding")

    runs = {}
    for name, engine in (("one", ["--workers", "1"]), ("dask", ["--dask", threads_cluster])):
        res = ccscan("scan", *shards, *engine, "--scan-id", "fixed", "--format", "json", "-o",
                     tmp_path / f"{name}.json")
        assert res.exit_code == 1, res.stderr
        runs[name] = (tmp_path / f"{name}.json").read_bytes()
        monkeypatch.setattr(parallel, "_rebuilt", refuse)  # the Dask scan copies the workers' bytes
    result = json.loads(runs["one"])
    assert len(result["findings"]) == sum(result["summary"].values()) > 1000
    assert runs["dask"] == runs["one"]


def _verdicts(result_bytes: bytes) -> dict[str, str]:
    return {f["resource"]["id"].rsplit("/", 1)[-1]: f["status"] for f in json.loads(result_bytes)["findings"]
            if f["policy_id"] == "CCS-AZ-VM-006" and f["resource"]["id"].startswith(CVM)}


def test_relationship_policies_join_across_shards(ccscan, tmp_path, shards, threads_cluster):
    whole = scan(ccscan, tmp_path, shards, "dask", "--dask", threads_cluster)
    alone = scan(ccscan, tmp_path, shards[2:], "alone", "--dask", threads_cluster, "--fail-on", "none")
    # cvm-a and cvm-b (shard 2) are judged by the sets, key and vault of shards 0 and 1.
    assert _verdicts(whole[2]["r.json"]) == {"cvm-a": "pass", "cvm-b": "fail"}
    assert _verdicts(alone[2]["r.json"]) == {"cvm-a": "unknown", "cvm-b": "unknown"}


def test_signed_bundle_is_byte_identical(ccscan, tmp_path, shards, threads_cluster):
    key = tmp_path / "k"
    assert ccscan("keygen", "--out", key).exit_code == 0
    for name, engine in (("one", ["--workers", "1"]), ("dask", ["--dask", threads_cluster])):
        res = ccscan("scan", *shards, *engine, "--scan-id", "fixed", "--format", "json",
                     "-o", tmp_path / f"{name}.json", "--bundle", tmp_path / f"{name}.tar.gz",
                     "--sign-key", f"{key}.key")
        assert res.exit_code == 1, res.stderr
    assert (tmp_path / "one.tar.gz").read_bytes() == (tmp_path / "dask.tar.gz").read_bytes()
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "dask.json").read_bytes()
    assert ccscan("bundle", "verify", tmp_path / "dask.tar.gz", "--key", f"{key}.pub").exit_code == 0


def test_whole_file_json_beside_shards(ccscan, tmp_path, shards, threads_cluster):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"value": [{
        "id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/zz-json",
        "type": "Microsoft.Web/sites", "properties": {"httpsOnly": False}}]}))
    one = scan(ccscan, tmp_path, [*shards, other], "one")
    dask = scan(ccscan, tmp_path, [*shards, other], "dask", "--dask", threads_cluster)
    assert one[0] == 1 and "zz-json" in one[2]["r.json"].decode()
    assert dask == one


@pytest.mark.parametrize(("line", "fragment"), [
    (b'{"type": "Microsoft.Web/sites"}\n', "has no 'id'"),
    (b"{broken\n", "invalid JSON"),
])
def test_a_bad_record_in_a_later_shard_is_the_same_error(ccscan, tmp_path, shards, threads_cluster,
                                                          line, fragment):
    lines = shards[1].read_bytes().splitlines(keepends=True)
    lines.insert(150, line)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(lines))
    inputs = [shards[0], bad, shards[2]]
    one = scan(ccscan, tmp_path, inputs, "one")
    dask = scan(ccscan, tmp_path, inputs, "dask", "--dask", threads_cluster)
    assert one[0] == 2 and f"{bad}:151:" in one[1] and fragment in one[1], one[1]
    assert dask[:2] == one[:2]
    assert dask[2] == {} and one[2] == {}  # nothing half-written


def test_a_duplicate_across_shards_is_the_same_error(ccscan, tmp_path, shards, threads_cluster):
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(shards[0].read_bytes().splitlines(keepends=True)[7])
    one = scan(ccscan, tmp_path, [*shards, copy], "one")
    dask = scan(ccscan, tmp_path, [*shards, copy], "dask", "--dask", threads_cluster)
    assert one[0] == 2 and "already read" in one[1] and f"{copy}:1:" in one[1]
    assert dask[:2] == one[:2]


def test_local_cluster_of_processes(ccscan, tmp_path, shards):
    """`local:2`: real worker processes, which compile the shipped policies themselves."""
    one = scan(ccscan, tmp_path, shards, "one")
    dask = scan(ccscan, tmp_path, shards, "dask", "--dask", "local:2")
    assert one[0] == 1
    assert dask == one


@pytest.mark.parametrize("value", ["local:0", "local:65", "local:x", "local:", "tcp://", "tcp://host",
                                   "tcp://host:0", "tcp://host:99999", "http://host:8786",
                                   "host:8786", "", "local:\u0663"])
def test_a_bad_address_is_a_usage_error(ccscan, shards, value):
    res = ccscan("scan", *shards, "--dask", value)
    assert res.exit_code == 2
    assert "--dask" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_dask_and_workers_are_two_engines(ccscan, shards):
    res = ccscan("scan", *shards, "--dask", "local:2", "--workers", "2")
    assert res.exit_code == 2 and "--dask and --workers" in res.stderr


def test_without_the_extra(ccscan, shards, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real(name, *a))
    res = ccscan("scan", *shards, "--dask", "local:2")
    assert res.exit_code == 2
    assert res.stderr.strip() == "ccscan: error: --dask needs the dask extra: pip install 'ccscan[dask]'"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler(ccscan, tmp_path, shards, monkeypatch):
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1)
    res = ccscan("scan", *shards, "--dask", f"tcp://127.0.0.1:{_free_port()}", "-o", tmp_path / "r.json")
    assert res.exit_code == 2, res.stderr
    assert "cannot reach the scheduler" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.json").exists()


def test_a_scheduler_without_workers(ccscan, tmp_path, shards, monkeypatch):
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1)
    with LocalCluster(n_workers=0, processes=False, host="127.0.0.1", protocol="tcp", dashboard_address=None) as c:
        res = ccscan("scan", *shards, "--dask", c.scheduler_address)
    assert res.exit_code == 2 and "no worker joined" in res.stderr, res.stderr


def test_the_local_cluster_closes_on_ctrl_c(shards, monkeypatch):
    from scanner.engine import Engine
    from scanner.inventory.files import read_inventories
    from scanner.scan import load_policies

    monkeypatch.setattr(distributed, "LOCAL_PROCESSES", False)
    catalog = load_policies(None)
    pool = distributed.DaskPool("local:1", catalog, False, Engine(catalog), read_inventories(shards))
    with pytest.raises(KeyboardInterrupt), pool:
        cluster = pool._cluster
        assert cluster is not None and cluster.status.name == "running"
        raise KeyboardInterrupt
    assert cluster.status.name == "closed" and pool._client is None


class _DieOnShard(WorkerPlugin):
    """A worker plugin: the worker process exits in the middle of evaluating shard-1.

    With `once`, only the first attempt dies (a marker file remembers it): Dask's rerun on a
    fresh worker must then give the whole, identical result.
    """

    def __init__(self, marker: str | None) -> None:
        self.marker = marker

    def setup(self, worker) -> None:
        from scanner import parallel as worker_parallel

        real = worker_parallel.evaluate_range
        marker = self.marker

        def dying(engine, stage, keep, path, *rest):
            if path.endswith("shard-1.jsonl") and (marker is None or not os.path.exists(marker)):
                if marker is not None:
                    Path(marker).touch()
                os._exit(9)
            return real(engine, stage, keep, path, *rest)

        import scanner.distributed as worker_distributed

        worker_distributed.evaluate_range = dying


@pytest.fixture
def process_cluster():
    import cloudpickle
    import dask

    cloudpickle.register_pickle_by_value(__import__(__name__))
    with (dask.config.set({"distributed.scheduler.allowed-failures": 1}),
          LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                       dashboard_address=None) as cluster):
        yield cluster
    cloudpickle.unregister_pickle_by_value(__import__(__name__))


def test_a_worker_dying_once_is_rerun(ccscan, tmp_path, shards, process_cluster):
    from distributed import Client

    with Client(process_cluster) as client:
        client.register_plugin(_DieOnShard(str(tmp_path / "died")), name="die")
    one = scan(ccscan, tmp_path, shards, "one")
    dask = scan(ccscan, tmp_path, shards, "dask", "--dask", process_cluster.scheduler_address)
    assert (tmp_path / "died").exists()  # a worker did die
    assert dask[0] == 1, dask[1]
    assert one[0] == 1 and dask == one


def test_a_shard_no_worker_survives_is_an_incomplete_scan(ccscan, tmp_path, shards, process_cluster):
    from distributed import Client

    with Client(process_cluster) as client:
        client.register_plugin(_DieOnShard(None), name="die")
    res = ccscan("scan", *shards, "--dask", process_cluster.scheduler_address,
                 "-o", tmp_path / "r.json", "--bundle", tmp_path / "b.tar.gz")
    assert res.exit_code == 3, res.stderr
    lines = res.stderr.strip().splitlines()
    # a dying worker takes the other shards' tasks it held with it: Dask may give up on one of
    # those first, so the line names a lost range of some shard, not necessarily shard-1's
    assert len(lines) == 1 and "the scan is incomplete" in lines[0], lines
    assert re.search(r"shard-[012]\.jsonl: bytes \d+-\d+ were not evaluated", lines[0]), lines
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "b.tar.gz").exists()


def test_a_worker_compiling_a_policy_differently_is_refused(ccscan, tmp_path, shards, threads_cluster,
                                                            monkeypatch):
    from scanner.scan import load_policies

    policy = load_policies(None).policies[0]
    with pytest.raises(distributed.WorkerMismatch, match=policy.id):
        distributed._compile([(policy.file, policy.source, "0" * 64)])
    assert distributed._compile([(policy.file, policy.source, policy.sha256)]).policies[0].id == policy.id

    def mismatch(sources):
        raise distributed.WorkerMismatch("p.yaml: policy 'X' compiles differently on a worker")

    monkeypatch.setattr(distributed, "_compile", mismatch)  # thread workers share this module
    res = ccscan("scan", *shards, "--dask", threads_cluster, "-o", tmp_path / "r.json")
    assert res.exit_code == 2 and "compiles differently" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "r.json").exists()


def test_a_local_cluster_that_cannot_start(ccscan, tmp_path, shards, monkeypatch):
    import distributed as dask_distributed

    def broken(**kwargs):
        raise RuntimeError("Cluster failed to start: Scheduler failed to start.")

    monkeypatch.setattr(dask_distributed, "LocalCluster", broken)
    res = ccscan("scan", *shards, "--dask", "local:2", "-o", tmp_path / "r.json")
    assert res.exit_code == 2 and "cannot start the cluster" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "r.json").exists()
