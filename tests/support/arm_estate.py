"""
The data an ArmEmulator serves: subscriptions, ARM resource documents and site configs, read
from ccscan's fixtures or generated.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def sub_of(resource_id: str) -> str:
    return resource_id.split("/")[2].lower()


def rg_of(resource_id: str) -> str:
    return resource_id.split("/")[4].lower()


@dataclass
class Estate:
    """
    What the emulated ARM holds.
    """

    resources: list[dict[str, Any]] = field(default_factory=list)
    """ARM documents as a provider list would return them (site list entries without siteConfig)."""
    site_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Lower-cased site id -> the `properties` of its `config/web`."""
    subscriptions: dict[str, str] = field(default_factory=dict)
    """Subscription id -> display name; subscriptions of resources are added automatically."""

    def __post_init__(self) -> None:
        for doc in self.resources:
            self.subscriptions.setdefault(sub_of(doc["id"]), f"sub {sub_of(doc['id'])[:8]}")

    @classmethod
    def from_documents(cls, docs: list[dict[str, Any]]) -> Estate:
        """
        Build an estate from full ARM documents; a site's `properties.siteConfig` moves to its
        `config/web` (list responses carry no real siteConfig, as in ARM).
        """
        resources, configs = [], {}
        # A separate `config/web` document (a file of its own in a snapshot) is what ARM serves
        # at that endpoint; it is not in any provider list.
        web = {d["id"].lower().removesuffix("/config/web"): d.get("properties") or {} for d in docs
               if str(d.get("type", "")).lower() == "microsoft.web/sites/config"
               and d["id"].lower().endswith("/config/web")}
        for doc in docs:
            doc = copy.deepcopy(doc)
            if str(doc.get("type", "")).lower() == "microsoft.web/sites/config":
                continue
            if str(doc.get("type", "")).lower() == "microsoft.web/sites":
                props = doc.get("properties") or {}
                configs[doc["id"].lower()] = props.pop("siteConfig", None) or web.get(doc["id"].lower(), {})
            resources.append(doc)
        return cls(resources, configs)

    @classmethod
    def from_fixtures(cls, directory: Path) -> Estate:
        """
        Load every Azure inventory under `directory` with ccscan's own file loaders (ARM
        lists, Resource Graph, az CLI output all become ARM documents), minus the `provider`
        and `account` keys that a collector adds back.
        """
        from scanner.inventory.files import read_inventories

        docs: list[dict[str, Any]] = []
        for inventory in read_inventories([directory]):
            for resource in inventory:
                if resource.provider == "azure":
                    docs.append(
                        {k: v for k, v in resource.doc.items() if k not in ("provider", "account")}
                    )
        return cls.from_documents(docs)

    @classmethod
    def generate(cls, subscriptions: int, per_type: dict[str, int], seed: int = 1) -> Estate:
        """Generate `per_type[type]` resources of each type in each of `subscriptions`."""
        docs = []
        for s in range(subscriptions):
            sub = str(uuid.UUID(int=(seed << 64) + s))
            for rtype, n in per_type.items():
                parent = _parent_type(rtype)
                if parent is not None and parent not in per_type:
                    docs.append(_synthetic(sub, parent, 0))  # a child needs a parent to list it
                for i in range(n):
                    docs.append(_synthetic(sub, rtype, i, per_type.get(parent or "", 1)))
        return cls.from_documents(docs)

    def resource_groups(self, sub: str) -> set[str]:
        """Lower-cased resource groups holding resources in a subscription."""
        return {rg_of(d["id"]) for d in self.resources if sub_of(d["id"]) == sub}

    def listing(self, sub: str, rtype: str) -> list[dict[str, Any]]:
        """The resources of a lower-cased type in a subscription, in estate order."""
        index = self.__dict__.get("_index")
        if index is None or self.__dict__.get("_indexed") != len(self.resources):
            index = {}
            for d in self.resources:
                index.setdefault((sub_of(d["id"]), d["type"].lower()), []).append(d)
            self.__dict__["_index"], self.__dict__["_indexed"] = index, len(self.resources)
        return index.get((sub, rtype), [])


EXTENSIONS = {"Microsoft.Insights/diagnosticSettings": "Microsoft.CognitiveServices/accounts"}
"""Extension types generate() places under a resource of another type (`{id}/providers/{type}/…`)."""


def _parent_type(rtype: str) -> str | None:
    """`Microsoft.KeyVault/vaults/keys` -> `Microsoft.KeyVault/vaults`; None for a top-level type."""
    if rtype in EXTENSIONS:
        return EXTENSIONS[rtype]
    return rtype.rsplit("/", 1)[0] if rtype.count("/") == 2 else None


def _synthetic(sub: str, rtype: str, i: int, parents: int = 1) -> dict[str, Any]:
    name = f"{rtype.split('/')[-1].lower()}-{i:05d}"
    parent = _parent_type(rtype)
    if parent is None:
        rg = f"rg-{i % 5}"
        rid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}"
    else:  # children spread over the parents that generate() makes (index j, group rg-{j % 5})
        j = i % max(1, parents)
        ns, ptype = parent.split("/")
        rg = f"rg-{j % 5}"
        child = f"providers/{rtype}" if rtype in EXTENSIONS else rtype.rsplit("/", 1)[1]
        rid = (f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{ptype}/"
               f"{ptype.lower()}-{j:05d}/{child}/{name}")
    props: dict[str, Any] = {"provisioningState": "Succeeded"}
    if rtype.lower() == "microsoft.compute/virtualmachines":
        confidential = i % 2 == 0
        props |= {
            "hardwareProfile": {
                "vmSize": "Standard_DC4as_v5" if confidential else "Standard_D4s_v5"
            },
            "securityProfile": {
                "securityType": "ConfidentialVM",
                "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
            }
            if confidential
            else None,
            "storageProfile": {
                "osDisk": {
                    "osType": "Linux",
                    "managedDisk": {
                        "securityProfile": {"securityEncryptionType": "DiskWithVMGuestState"}
                    }
                    if confidential
                    else {},
                }
            },
        }
    elif rtype.lower() == "microsoft.web/sites":
        props |= {
            "httpsOnly": i % 3 != 0,
            "siteConfig": {"minTlsVersion": "1.2", "ftpsState": "Disabled"},
        }
    return {
        "id": rid,
        "name": name,
        "type": rtype,
        "location": "westeurope",
        "tags": {"n": str(i)},
        "properties": props,
    }
