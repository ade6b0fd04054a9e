"""
Shipping throughput against the local emulators: findings/s and MB/s per sink.

Generates a scan result with N findings (tests/support/ship_estate.py, written by the real
JsonReporter), then ships it with `scanner.ship.deliver` to a local HTTPS Splunk HEC emulator,
a local HTTPS Logs Ingestion emulator (the real azure-monitor-ingestion client, gzip) and a
moto S3 server, all on 127.0.0.1. Reading the file (and building OCSF events) is included,
as in `ccscan ship`. MB/s counts the payload bytes the sink encoded (before any gzip).
Also prints the SARIF size for 30,000 failing findings against GitHub's 10 MB gzip limit.

    python bench/ship.py                 # 20,000 findings, best of 3
    python bench/ship.py --count 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_EC2_METADATA_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"})

from support.ship_estate import many_findings
from support.siem_emulator import HecEmulator, IngestionEmulator

from scanner.ship import deliver, read_records


def timed(label: str, make_sink, path: Path, repeat: int, n: int) -> None:
    best = None
    for _ in range(repeat):
        sink = make_sink()
        t0 = time.perf_counter()
        report = deliver(read_records(path), sink)
        dt = time.perf_counter() - t0
        assert report.delivered == n, report
        if best is None or dt < best[0]:
            best = (dt, report)
    assert best is not None
    dt, report = best
    print(f"{label:9} {n / dt:10,.0f} findings/s {report.bytes / dt / 1e6:8.2f} MB/s "
          f"({report.batches} batches, {report.bytes / 1e6:.1f} MB, {dt:.2f} s)")


def sarif_size(count: int, noise: int = 0) -> None:
    """SARIF for `count` failing findings; `noise` random characters per message defeat gzip."""
    import random

    from report_helpers import AZ_VM, make_finding, make_result  # type: ignore[import-not-found]

    from scanner.findings import finding_id
    from scanner.report.sarif import SarifReporter

    result = make_result()
    out = io.StringIO()
    reporter = SarifReporter()
    reporter.start(out, result)
    rng = random.Random(1)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    t0 = time.perf_counter()
    for i in range(count):
        rid = f"{AZ_VM}-{i}"
        extra = {"message": "".join(rng.choices(alphabet, k=noise))} if noise else {}
        f = make_finding("fail", resource_id=rid, id=finding_id("CCS-AZ-VM-001", rid), **extra)
        reporter.add(f)
        result.count(f)
    reporter.finish(result)
    dt = time.perf_counter() - t0
    raw = out.getvalue().encode()
    kind = f"noisy ({noise}-char random messages)" if noise else "plain"
    print(f"sarif     {count:,} {kind} failing findings -> {count - reporter.left_out():,} results, "
          f"{len(raw) / 1e6:.1f} MB raw, {len(gzip.compress(raw)) / 1e6:.2f} MB gzip "
          f"(limit 10 MB), {dt:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sarif-count", type=int, default=30_000)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "report"))
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines

    from moto.server import ThreadedMotoServer

    from scanner.ship.s3 import S3Sink
    from scanner.ship.sentinel import SentinelSink
    from scanner.ship.splunk import SplunkSink

    with tempfile.TemporaryDirectory() as tmp:
        path = many_findings(Path(tmp) / "result.json", args.count)
        print(f"input     {args.count:,} findings, {path.stat().st_size / 1e6:.1f} MB scan result")
        t0 = time.perf_counter()
        assert sum(1 for _ in read_records(path)) == args.count
        print(f"read      {args.count / (time.perf_counter() - t0):10,.0f} findings/s (reading the scan result alone)")

        with HecEmulator("bench-token", max_content_length=1_000_000) as hec:
            timed("splunk", lambda: SplunkSink(hec.url, "bench-token", ca_file=hec.ca_file),
                  path, args.repeat, args.count)

        class Token:
            def get_token(self, *scopes, **kw):
                from azure.core.credentials import AccessToken

                return AccessToken("bench-token", int(time.time()) + 3600)

        with IngestionEmulator("bench-token", "dcr-bench", "Custom-CcscanFindings") as emu:
            timed("sentinel", lambda: SentinelSink(emu.url, "dcr-bench", "Custom-CcscanFindings",
                                                   Token(), connection_verify=emu.ca_file),
                  path, args.repeat, args.count)

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            import boto3

            host, port = server.get_host_and_port()
            url = f"http://{host}:{port}"
            boto3.client("s3", endpoint_url=url).create_bucket(Bucket="bench-lake")
            timed("s3", lambda: S3Sink("bench-lake", endpoint_url=url), path, args.repeat, args.count)
        finally:
            server.stop()
    sarif_size(args.sarif_count)
    sarif_size(args.sarif_count, noise=600)


if __name__ == "__main__":
    main()
