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
related: {type: AWS::EC2::SecurityGroup, via: properties.SecurityGroups[*].GroupId, key: properties.GroupId}
count: {related: {type: Microsoft.Authorization/roleAssignments, refersBack: properties.principalId,
                  from: identity.principalId}}                           # match on a field, not the id
{field: properties.virtualNetwork.id, sameAs: {field: properties.virtualNetworkSubnetId, parent: true}}
```

A `where` inside `related` reads the related resource. A reference that resolves to nothing is
`unknown` (RelatedMissing), never a pass or a silent fail; a `count` over no related resources
is 0. Evidence paths name the related resource: `<via>[<related id>].<path>`.

`key` and `from` match on a field other than the ARM id; values compare as references do
(scanner.relindex.ref_key). `sameAs` compares a field with a field of the resource the policy
judges (the *root*), however deep the relation: the one join a chain cannot walk without. With
`via`/`type` it compares with a field of the resource the root refers to (a container app's
managed environment's subnet), which a relation nested under the root cannot otherwise see:

    {field: properties.virtualNetwork.id,
     sameAs: {field: properties.vnetConfiguration.infrastructureSubnetId, parent: true,
              via: properties.environmentId, type: Microsoft.App/managedEnvironments}}
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from scanner.policy.model import Check
from scanner.policy.paths import EACH, MISSING, FieldPath, getter
from scanner.relindex import RelatedMissing, active, ref_key

RELATED_KEYS = ("type", "via", "key", "child", "parent", "where")
COUNT_RELATED_KEYS = ("type", "refersBack", "from", "children")

ROOT: ContextVar[Any] = ContextVar("ccscan_related_root", default=None)
"""The resource the policy judges, while a relation's `where` reads another (for `sameAs`)."""


def with_root(check: Check) -> Check:
    """`check` with the resource it judges as ROOT (the policy's own check, when it uses `sameAs`)."""

    def rooted(doc: Any, reads: Any, elem: Any) -> bool:
        if ROOT.get() is not None:
            return check(doc, reads, elem)
        token = ROOT.set(doc)
        try:
            return check(doc, reads, elem)
        finally:
            ROOT.reset(token)

    return rooted


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
    key: FieldPath | None = None,
) -> Check:
    """
    `related` with `via` or `child`: every referenced resource exists and satisfies `where`.

    `refs(doc)` gives the reference (or, when `many`, the list of references); with `key`, a
    reference names the one target whose `key` field holds it instead of the target's id.
    """
    key_steps = key.steps if key is not None else None
    key_text = key.text if key is not None else ""

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
            if key_steps is None:
                target = index.resolve(ref, type_keys)
            else:
                target = _resolve_by(index, type_keys, key_steps, key_text, ref)
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


def _resolve_by(index: Any, type_keys: tuple[str, ...], steps: tuple[Any, ...], text: str, ref: str) -> dict[str, Any]:
    found = {id(d): d for k in type_keys for d in index.referring(k, steps, ref)}
    if len(found) == 1:
        return next(iter(found.values()))
    shown = " or ".join(type_keys)
    if not found:
        raise RelatedMissing(f"no {shown} with {text} = {ref} is in the inventory")
    ids = ", ".join(sorted(str(d.get("id")) for d in found.values())[:3])
    raise RelatedMissing(f"{text} = {ref} is ambiguous: {len(found)} {shown} hold it ({ids})")


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
    source: FieldPath | None = None,
) -> Check:
    """
    `count` over related resources (reverse references or children) that satisfy `where`.

    With `source` (`from`), the values looked up are this resource's field, not its id.
    """
    steps = back.steps if back is not None else None
    own_values = values_at(source.steps) if source is not None else _own_id

    def check(doc: Any, reads: Any, elem: Any) -> bool:
        index = active()
        if steps is None:
            own = _own_id(doc)
            targets = [t for k in type_keys for o in own for t in index.children_of(k, o)]
        else:
            seen: dict[int, dict[str, Any]] = {}
            for value in own_values(doc):
                for k in type_keys:
                    for t in index.referring(k, steps, value):
                        seen.setdefault(id(t), t)  # two values naming one target count it once
            targets = list(seen.values())
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


def _own_id(doc: Any) -> list[str]:
    own = doc.get("id") if isinstance(doc, dict) else None
    return [own] if isinstance(own, str) and own else []


def values_at(steps: tuple[Any, ...]) -> Callable[[Any], list[str]]:
    """
    The non-empty strings at a `from` path; `[*]` steps over arrays and over a mapping's values
    (`identity.userAssignedIdentities[*].principalId`: ARM keys that map by identity id).
    """

    def walk(value: Any, i: int, out: list[str]) -> None:
        if i == len(steps):
            if isinstance(value, str) and value.strip():
                out.append(value)
            return
        step = steps[i]
        if step is EACH:
            items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
            for item in items:
                walk(item, i + 1, out)
            return
        if isinstance(step, str):
            nxt = getter((step,))(value) if isinstance(value, dict) else MISSING
        else:
            nxt = value[step] if isinstance(value, list) and -len(value) <= step < len(value) else MISSING
        if nxt is not MISSING and nxt is not None:
            walk(nxt, i + 1, out)

    def get(doc: Any) -> list[str]:
        out: list[str] = []
        walk(doc, 0, out)
        return out

    return get


@dataclass(frozen=True, slots=True)
class SameVia:
    """
    `sameAs` through a relation of the root: the field is read on the resource of `type_keys`
    that the root's `via` field names (a container app's managed environment), not on the root.
    """

    path: FieldPath
    """The root's reference field (`properties.environmentId`)."""
    type_keys: tuple[str, ...]


def same_as(source: FieldPath, parent: bool, via: SameVia | None = None) -> Callable[[Any], bool]:
    """
    The predicate of `sameAs`: the value names what the root's `source` field names (its ARM
    parent with `parent`), compared as references are (ids and GUIDs without case).

    With `via`, `source` is a field of the root's related resource: a root without the `via`
    field (or one the related resource lacks) compares false; a `via` naming nothing in the
    inventory raises RelatedMissing (`unknown`), naming the id.
    """
    get = getter(source.steps)
    on = _via_target(via) if via is not None else None

    def pred(v: Any) -> bool:
        root = ROOT.get()
        if on is not None and root is not None:
            root = on(root)
        want = get(root) if root is not None else MISSING
        if not isinstance(want, str) or not want.strip() or not isinstance(v, str):
            return False
        if parent:
            want = parent_ref({"id": want})
            if want is MISSING:
                return False
        return bool(ref_key(v)) and ref_key(v) == ref_key(want)

    return pred


def _via_target(via: SameVia) -> Callable[[Any], Any]:
    """The related resource the root's `via` field names; None when the root has no such field."""
    get = getter(via.path.steps)

    def target(root: Any) -> Any:
        ref = get(root)
        if ref is MISSING or ref is None:
            return None
        if not isinstance(ref, str) or not ref.strip():
            raise RelatedMissing(f"{via.path.text} holds {type(ref).__name__}, not a resource reference")
        return active().resolve(ref, via.type_keys)

    return target


def same_as_reads(source: FieldPath, via: SameVia) -> Callable[[Any, list], None]:
    """
    Evidence for `sameAs` through `via`: the related resource's field, named by its id (the
    engine's evidence names every related resource read).
    """
    get = getter(source.steps)
    on = _via_target(via)

    def record(root: Any, reads: list) -> None:
        try:
            target = on(root) if root is not None else None
        except RelatedMissing:
            return  # the comparison itself raised (or will): the finding is unknown, naming the id
        if target is not None:  # an indexed resource: the index holds only those with an id
            reads.append((f"{via.path.text}[{target['id']}].{source.text}", get(target)))

    return record
