"""
Shared helpers for evidence-bundle tests: build bundles through the real BundleWriter
(without the CLI), read and rewrite tar members, and keys.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.evidence.build import BundleWriter
from scanner.evidence.tarball import Member, write_tarball
from scanner.findings import Evidence, Finding, ScanResult, finding_id
from scanner.inventory.resource import Resource
from scanner.sanitise import Sanitiser

POLICY_YAML = b"id: CCS-T-001\ntitle: test policy\nseverity: high\n"
RESOURCES = [
    {
        "id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
        "type": "Microsoft.Compute/virtualMachines", "name": "vm1", "location": "westeurope",
        "provider": "azure", "account": "s1", "tags": {},
        "properties": {"securityProfile": {"securityType": "TrustedLaunch"}},
    },
    {
        "id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Web/sites/app1",
        "type": "Microsoft.Web/sites", "name": "app1", "location": "westeurope",
        "provider": "azure", "account": "s1", "tags": {},
        "properties": {"siteConfig": {"appSettings": [
            {"name": "OPENAI_API_KEY", "value": "sk-testPLANTEDsecretVALUE0123456789"},
        ]}},
    },
]


def build_bundle(
    out: Path, key: Ed25519PrivateKey | None = None, scan_id: str = "scan-1",
    policy_dir: Path | None = None, incomplete: list[dict[str, str]] | None = None,
) -> Path:
    """
    Write a bundle for a tiny fixed scan (two resources, one failing finding).

    Everything passes the sanitising stage first, as `run_scan` does: the writer itself
    never redacts.
    """
    stage = Sanitiser()
    policy_dir = policy_dir or out.parent / "pol"
    policy_dir.mkdir(exist_ok=True)
    policy = policy_dir / "test.yaml"
    policy.write_bytes(POLICY_YAML)
    result = ScanResult(scan_id=scan_id, tool={"name": "ccscan", "version": "0.1.0"},
                        started_at="2026-11-28T12:00:00Z")
    result.policies = [{"id": "CCS-T-001", "sha256": "0" * 64, "file": str(policy)}]
    result.incomplete = stage.incomplete(incomplete or [])
    writer = BundleWriter(out, sign_key=key)
    writer.start(io.StringIO(), result)
    for doc in RESOURCES:
        writer.observe(stage.resource(Resource(doc)))
    res = Resource(RESOURCES[0])
    finding = Finding(
        id=finding_id("CCS-T-001", res.id), policy_id="CCS-T-001", title="test policy",
        severity="high", status="fail", message="expected ConfidentialVM",
        resource=res.identity(),
        evidence=(Evidence("properties.securityProfile.securityType", "TrustedLaunch"),),
    )
    result.count(finding)
    writer.add(stage.finding(finding))
    result.finished_at = "2026-11-28T12:00:01Z"
    stage.header(result)
    writer.finish(result)
    return out


def read_all(bundle: Path) -> dict[str, bytes]:
    """Return {name: bytes} of a bundle we built ourselves (trusted)."""
    with tarfile.open(bundle, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def write_members(out: Path, members: dict[str, bytes]) -> Path:
    """Write {name: bytes} as a deterministic bundle."""
    write_tarball(out, [Member(n, data=d) for n, d in members.items()])
    return out


def write_raw(out: Path, infos: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    """Write arbitrary tar headers (links, devices, odd names) into a .tar.gz."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in infos:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    out.write_bytes(gzip.compress(buf.getvalue(), mtime=0))
    return out


@pytest.fixture(scope="session")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def signed(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    return build_bundle(tmp_path / "evidence.tar.gz", key)
