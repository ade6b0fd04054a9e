"""
The one resource shape every loader and collector yields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Resource:
    """
    One cloud resource in the canonical ARM REST shape (see DESIGN.md).

    `doc` is the whole canonical document that policies evaluate: `id`, `type`, `name`,
    `location`, `provider`, `account`, `tags`, `properties`, and for Azure `sku`/`kind`.
    AWS resources use CloudFormation type names, the ARN as `id`, the region as
    `location`, and the describe shape under `properties`.
    """

    doc: dict[str, Any]
    """The canonical document; policies read paths in it such as `properties.httpsOnly`."""
    source: str = ""
    """The file (or `azure:`/`aws:` scope) the resource came from."""
    line: int | None = None
    """The 1-based line of the resource in `source`, where known (JSONL, or a pretty-printed list)."""
    type_key: str = field(init=False)
    """The type lower-cased: ARM and CloudFormation types compare case-insensitively."""

    def __post_init__(self) -> None:
        self.type_key = str(self.doc.get("type", "")).lower()

    @property
    def id(self) -> str:
        return str(self.doc.get("id", ""))

    @property
    def type(self) -> str:
        return str(self.doc.get("type", ""))

    @property
    def name(self) -> str:
        return str(self.doc.get("name") or "")

    @property
    def location(self) -> str | None:
        return self.doc.get("location")

    @property
    def provider(self) -> str:
        return str(self.doc.get("provider") or "")

    @property
    def account(self) -> str | None:
        return self.doc.get("account")

    def identity(self) -> dict[str, Any]:
        """
        Return the resource block of a finding: id, type, name, location, account, provider.
        """
        doc = self.doc
        return {
            "id": str(doc.get("id", "")),
            "type": str(doc.get("type", "")),
            "name": str(doc.get("name") or ""),
            "location": doc.get("location"),
            "account": doc.get("account"),
            "provider": str(doc.get("provider") or ""),
        }
