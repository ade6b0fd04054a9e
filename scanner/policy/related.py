"""
Relationship conditions: follow a reference, a child, or the resources that refer back.

```yaml
related: {type: Microsoft.Compute/diskEncryptionSets, via: properties.….diskEncryptionSet.id,
          where: {field: properties.encryptionType, equals: ConfidentialVmEncryptedWithCustomerKey}}
related: {type: Microsoft.Web/sites/config, child: web, where: {…}}      # id = <own id>/config/web
count: {related: {type: Microsoft.Network/privateEndpoints,
                  refersBack: properties.privateLinkServiceConnections[*].properties.privateLinkServiceId},
        where: {…}}
count: {related: {type: Microsoft.Network/privateDnsZones/virtualNetworkLinks, children: true}}
```

A `where` inside `related` reads the related resource. A reference that resolves to nothing is
`unknown` (RelatedMissing), never a pass or a silent fail; a `count` over no related resources
is 0. Evidence paths name the related resource: `<via>[<related id>].<path>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.policy.model import Check
from scanner.policy.paths import MISSING, FieldPath
from scanner.relindex import RelatedMissing, active

RELATED_KEYS = ("type", "via", "child", "parent", "where")
COUNT_RELATED_KEYS = ("type", "refersBack", "children")


def _prefixed(reads: list, label: str, target: dict[str, Any], sub: list) -> None:
    tid = str(target.get("id", ""))
    for path, value in sub:
        reads.append((f"{label}[{tid}].{path}", value))


def forward_check(
    label: str,
    refs: Callable[[Any], Any],
    many: bool,
    type_keys: tuple[str, ...],
    where: Check | None,
) -> Check:
    """
    `related` with `via` or `child`: every referenced resource exists and satisfies `where`.

    `refs(doc)` gives the reference (or, when `many`, the list of references).
    """

    def check(doc: Any, reads: Any, elem: Any) -> bool:
        found = refs(doc)
        if reads is not None:
            reads.append((label, found))
        if found is MISSING:
            return False  # a missing reference field is false, like any missing field
        values = found if many else [found]
        if not values:
            return False  # a [*] reference over no elements proves nothing
        index = active()
        for ref in values:
            if ref is MISSING:
                return False
            if not isinstance(ref, str) or not ref.strip():
                raise RelatedMissing(f"{label} holds {type(ref).__name__}, not a resource reference")
            target = index.resolve(ref, type_keys)
            if where is None:
                continue
            sub: list | None = [] if reads is not None else None
            ok = where(target, sub, None)
            if sub:
                _prefixed(reads, label, target, sub)
            if not ok:
                return False
        return True

    return check


def child_refs(segment: str) -> Callable[[Any], Any]:
    """The id of the child `<own id>/<segment>`."""

    def refs(doc: Any) -> Any:
        own = doc.get("id") if isinstance(doc, dict) else None
        if not isinstance(own, str) or not own:
            return MISSING
        return f"{own.rstrip('/')}/{segment}"

    return refs


def parent_ref(doc: Any) -> Any:
    """The id of the parent (`<parent id>/<child type>/<name>`)."""
    own = doc.get("id") if isinstance(doc, dict) else None
    if not isinstance(own, str) or own.rstrip("/").count("/") < 3:
        return MISSING
    return own.rstrip("/").rsplit("/", 2)[0]


def count_check(
    label: str,
    type_keys: tuple[str, ...],
    back: FieldPath | None,
    where: Check | None,
    compare: Callable[[Any], bool],
) -> Check:
    """`count` over related resources (reverse references or children) that satisfy `where`."""
    steps = back.steps if back is not None else None

    def check(doc: Any, reads: Any, elem: Any) -> bool:
        own = doc.get("id") if isinstance(doc, dict) else None
        index = active()
        if not isinstance(own, str) or not own:
            targets: list = []
        elif steps is None:
            targets = [t for k in type_keys for t in index.children_of(k, own)]
        else:
            targets = [t for k in type_keys for t in index.referring(k, steps, own)]
        n = 0
        for target in targets:
            sub: list | None = [] if reads is not None else None
            if where is None or where(target, sub, None):
                n += 1
            if sub:
                _prefixed(reads, label, target, sub)
        if reads is not None:
            reads.append((f"count({label})", n))
        return compare(n)

    return check
