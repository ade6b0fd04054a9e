"""
Azure listing: the SDK's model deserialisation against raw JSON pages, on the same pages.

A child process serves an ARM emulator (tests/support/arm_emulator.py, HTTPS on 127.0.0.1)
holding bench/estate.py's documents in one subscription; this process lists each hot type
twice through the same ClientFactory (one pipeline: auth, retries, timeouts), alternately:

- **sdk**: the SDK's own list call (`virtual_machines.list_all`, `disks.list`, ...), each model
  turned back into REST JSON with `rest_dict`, as azure_types.py did before;
- **raw**: `TypeSpec.pages`, i.e. `raw_pages` over the same endpoint, as it does now.

Wall and CPU (this process only: the emulator's own work is in the child) are medians of
`--repeat` runs; both paths must return the same documents (the script exits 1 otherwise).

    python bench/collect.py                      # 10,000 VMs and disks, 2,000 of the others
    python bench/collect.py --vms 2000 --repeat 3 --page-size 100
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

SUB = "00000000-0000-4000-8000-00000000b001"
HOT = ("Microsoft.Compute/virtualMachines", "Microsoft.Compute/disks", "Microsoft.Web/sites",
       "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults")


def _documents(counts: dict[str, int]) -> list[dict[str, Any]]:
    from estate import BUILDERS

    rng = random.Random(15)
    docs = []
    for rtype, n in counts.items():
        for i in range(n):
            doc = BUILDERS[rtype](rng, i)
            doc.pop("provider", None)
            doc.pop("account", None)
            doc["type"] = rtype  # ARM's own spelling (the builder lower-cases a few, as Graph does)
            doc["id"] = re.sub(r"^/subscriptions/[^/]+/", f"/subscriptions/{SUB}/", doc["id"])
            docs.append(doc)
    return docs


def _serve(counts: dict[str, int], page_size: int, conn: Any) -> None:
    from support.arm_emulator import ArmEmulator, Estate

    with ArmEmulator(Estate.from_documents(_documents(counts)), page_size=page_size) as arm:
        conn.send((arm.url, arm.ca_file))
        conn.recv()  # until the parent is done


def _sdk_pager(factory: Any, spec: Any) -> Any:
    client = spec.client(factory, SUB)
    v = spec.api_version
    return {
        "Microsoft.Compute/virtualMachines": lambda: client.virtual_machines.list_all(api_version=v),
        "Microsoft.Compute/disks": lambda: client.disks.list(api_version=v),
        "Microsoft.Web/sites": lambda: client.web_apps.list(),
        "Microsoft.Storage/storageAccounts": lambda: client.storage_accounts.list(),
        "Microsoft.KeyVault/vaults": lambda: client.vaults.list_by_subscription(),
    }[spec.type]()


def _run(how: str, factory: Any, spec: Any) -> tuple[float, float, list[dict[str, Any]]]:
    from scanner.collect.azure_clients import rest_dict

    wall, cpu = time.perf_counter(), time.process_time()
    if how == "sdk":
        docs = [rest_dict(m) for page in _sdk_pager(factory, spec).by_page() for m in page]
    else:
        docs = [d for page in spec.pages(factory, SUB, None) for d in page]
    return time.perf_counter() - wall, time.process_time() - cpu, docs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vms", type=int, default=10_000, help="VMs and disks (default 10,000 each)")
    ap.add_argument("--others", type=int, default=2_000, help="sites, storage accounts, vaults")
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    counts = {t: args.vms if "Compute" in t else args.others for t in HOT}
    parent, child = mp.Pipe()
    server = mp.Process(target=_serve, args=(counts, args.page_size, child), daemon=True)
    server.start()
    url, ca = parent.recv()

    # The SDKs are imported here, not inside the first timed run.
    import azure.mgmt.compute
    import azure.mgmt.keyvault
    import azure.mgmt.storage
    import azure.mgmt.web  # noqa: F401
    from support.azure_testing import StaticCredential

    from scanner.collect.azure_clients import ClientFactory, HttpSettings
    from scanner.collect.azure_types import BY_TYPE

    factory = ClientFactory(StaticCredential(), HttpSettings(url, connection_verify=ca))
    print(f"ARM emulator in a child process, page size {args.page_size}, median of {args.repeat}; "
          "cpu = this process (the client) only")
    print(f"{'type':<36}{'n':>7}  {'sdk wall':>9} {'raw wall':>9} {'x':>5}   "
          f"{'sdk cpu':>8} {'raw cpu':>8} {'x':>5}  same docs")
    differ = 0
    try:
        for rtype in HOT:
            spec = BY_TYPE[rtype.lower()]
            _run("sdk", factory, spec)  # warm: clients, connections, token
            figures: dict[str, list[tuple[float, float]]] = {"sdk": [], "raw": []}
            same = True
            for _ in range(args.repeat):
                got = {}
                for how in ("sdk", "raw"):
                    wall, cpu, got[how] = _run(how, factory, spec)
                    figures[how].append((wall, cpu))
                same = same and got["sdk"] == got["raw"] and len(got["raw"]) == counts[rtype]
            med = {how: (statistics.median(w for w, _ in f), statistics.median(c for _, c in f))
                   for how, f in figures.items()}
            (sw, sc), (rw, rc) = med["sdk"], med["raw"]
            differ += not same
            print(f"{rtype:<36}{counts[rtype]:>7}  {sw:8.3f}s {rw:8.3f}s {sw / rw:5.2f}   "
                  f"{sc:7.3f}s {rc:7.3f}s {sc / rc:5.2f}  {'yes' if same else 'NO'}")
    finally:
        factory.close()
        parent.send("done")
        server.join(10)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
