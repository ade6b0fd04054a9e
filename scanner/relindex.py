"""
The relation index: the resources that relationship policies follow, looked up by reference.

Only the types some selected policy relates to are indexed, so the other resources of a scan
still stream. References compare as their cloud does: ARM ids case-insensitively, ARNs
exactly; a Key Vault (or managed HSM) key URL resolves to the ARM key resource by vault name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from scanner.inventory.resource import Resource
from scanner.policy.paths import MISSING, NotAnArray, multi_getter

_KEY_URL = re.compile(
    r"https://([a-z0-9-]{1,64})\.(?:vault\.azure\.net|managedhsm\.azure\.net)(?::443)?/keys/"
    r"([a-z0-9-]{1,127})(?:/[a-z0-9]{0,64})?/?",
    re.IGNORECASE,
)
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_ARM_KEY = re.compile(
    r"/providers/microsoft\.keyvault/(?:vaults|managedhsms)/([^/]+)/keys/([^/]+)$", re.IGNORECASE
)


class RelatedMissing(Exception):
    """
    A reference points to nothing in the inventory (or to more than one thing).

    The engine maps it to `unknown`: a link we cannot see proves nothing either way.
    """


def ref_key(ref: str) -> str:
    """
    The index key of a reference: ARM ids, GUIDs (Entra principal ids) and Key Vault key URLs
    without case; anything else (ARNs, AWS ids like `sg-…`, names) exactly, as its cloud compares it.
    """
    ref = ref.strip()
    if ref.startswith("/"):
        return ref.rstrip("/").lower()
    if len(ref) == 36 and _GUID.fullmatch(ref):
        return ref.lower()
    m = _KEY_URL.fullmatch(ref)
    if m:
        return f"kv:{m.group(1).lower()}/{m.group(2).lower()}"
    return ref


@dataclass(frozen=True, slots=True)
class Relation:
    """
    One relationship a policy follows: the target type, and for a reverse lookup (or a forward
    `key`) the target field that holds the value looked up (None for ids and children).
    """

    type: str
    """The target type, lower-cased."""
    back: tuple[Any, ...] | None = None
    """Steps of the target's field holding the referring resource's id or `from` value (reverse
    lookups), or the reference (a forward `key`)."""
    children: bool = False
    """Targets are children of the referring resource (id prefix)."""
    keep: tuple[tuple[Any, ...], ...] | None = None
    """Steps of every path read on the target: the index keeps only these (None: the whole doc)."""
    counted: bool = False
    """A `count` over the related resources: finding none is 0, not `unknown` (a missing forward
    target is `unknown` already), so a type no input holds goes unnoticed unless reported."""


class RelationIndex:
    """
    The resources of the related types, by id (and alias), by back-reference and by parent.
    """

    def __init__(self, relations: Iterable[Relation] = ()) -> None:
        self.types: set[str] = set()
        self._back: dict[str, list[tuple[tuple[Any, ...], Callable[[Any], Any]]]] = {}
        self._children: set[str] = set()
        self._keep: dict[str, dict[str, Any] | None] = {}
        for rel in relations:
            self.types.add(rel.type)
            self._keep[rel.type] = _merge_keep(self._keep.get(rel.type, {}), rel.keep)
            if rel.back is not None:
                getters = self._back.setdefault(rel.type, [])
                if all(steps != rel.back for steps, _ in getters):
                    getters.append((rel.back, _values_getter(rel.back)))
            if rel.children:
                self._children.add(rel.type)
        self.by_key: dict[str, list[dict[str, Any]]] = {}
        self.by_back: dict[tuple[str, tuple[Any, ...], str], list[dict[str, Any]]] = {}
        self.by_parent: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._seen: set[str] = set()
        self.present: set[str] = set()
        """The related types of which at least one resource was indexed."""

    def __bool__(self) -> bool:
        return bool(self.types)

    def wants(self, type_key: str) -> bool:
        return type_key in self.types

    def add(self, resource: Resource) -> None:
        """Index one resource if its type is related to; the first of a duplicate id wins."""
        t = resource.type_key
        if t not in self.types:
            return
        doc = resource.doc
        key = ref_key(str(doc.get("id", "")))
        if not key or key in self._seen:
            return
        self._seen.add(key)
        self.present.add(t)
        trie = self._keep.get(t)
        if trie is not None:  # keep only what the policies read: the index must not grow like the estate
            doc = {"id": doc.get("id"), "type": doc.get("type"), **_project(doc, trie)}
        self.by_key.setdefault(key, []).append(doc)
        m = _ARM_KEY.search(key)
        if m:  # a key URL names only the vault: index the key by vault and key name too
            self.by_key.setdefault(f"kv:{m.group(1)}/{m.group(2)}", []).append(doc)
        for steps, get in self._back.get(t, ()):
            for value in get(doc):
                if isinstance(value, str) and value:
                    self.by_back.setdefault((t, steps, ref_key(value)), []).append(doc)
        if t in self._children and key.count("/") > 2:
            self.by_parent.setdefault((t, parent_key(key)), []).append(doc)

    def resolve(self, ref: str, type_keys: tuple[str, ...]) -> dict[str, Any]:
        """
        The one indexed resource of `type_keys` that `ref` names; raise RelatedMissing otherwise.
        """
        found = [d for d in self.by_key.get(ref_key(ref), ()) if _type(d) in type_keys]
        if len(found) == 1:
            return found[0]
        if not found:
            raise RelatedMissing(f"related resource {ref} is not in the inventory")
        ids = ", ".join(sorted(str(d.get("id")) for d in found)[:3])
        raise RelatedMissing(f"reference {ref} is ambiguous: it matches {len(found)} resources ({ids})")

    def referring(self, type_key: str, back: tuple[Any, ...], ref: str) -> list[dict[str, Any]]:
        """The indexed resources of `type_key` whose field `back` holds `ref`."""
        return self.by_back.get((type_key, back, ref_key(ref)), [])

    def children_of(self, type_key: str, parent_id: str) -> list[dict[str, Any]]:
        """
        The indexed children of `type_key` under `parent_id`; raise RelatedMissing when the
        collection could not list them (a count of 0 would say "none", which nobody saw).
        """
        if _UNREAD_ANY in self.by_key:
            self._check_read(type_key, parent_id)
        return self.by_parent.get((type_key, ref_key(parent_id)), [])

    def mark_unread(self, scopes: Iterable[tuple[str, str]]) -> None:
        """
        Record the incomplete scopes (scope, reason) of a collection that name child lists:
        `azure <parent id>/<child path>` (one parent's list failed) or `azure subscription
        <sub> <child type>` (none could be listed), so counts over those children are unknown.
        """
        for scope, reason in scopes:
            if not isinstance(scope, str) or not scope.startswith("azure "):
                continue
            rest = scope[len("azure "):].strip()
            parts = rest.split()
            if rest.startswith("/subscriptions/"):
                key, why = _UNREAD + ref_key(rest), f"{rest} could not be read: {reason}"
            elif len(parts) == 3 and parts[0] == "subscription" and "/" not in parts[1]:
                key = f"{_UNREAD}{parts[2].lower()} in {parts[1].lower()}"
                why = f"no {parts[2]} list of subscription {parts[1]} could be read: {reason}"
            else:
                continue
            # Kept in `by_key` (under keys no reference can have), so the marks travel with the
            # lookup tables wherever the index is shipped (Dask workers get only those).
            self.by_key[key] = [{"id": key, "type": _UNREAD, "reason": why}]
            self.by_key[_UNREAD_ANY] = []

    def _check_read(self, type_key: str, parent_id: str) -> None:
        tail = type_key.rsplit("/", 1)[1] if type_key.count("/") >= 2 else f"providers/{type_key}"
        sub = parent_id.split("/")[2].lower() if parent_id.count("/") >= 2 else ""
        for key in (_UNREAD + ref_key(f"{parent_id.rstrip('/')}/{tail}"), f"{_UNREAD}{type_key} in {sub}"):
            found = self.by_key.get(key)
            if found:
                raise RelatedMissing(str(found[0]["reason"]))


_UNREAD = "ccscan:unread:"
"""Prefix of the `by_key` entries that mark child lists a collection could not read."""
_UNREAD_ANY = _UNREAD + "*"


def parent_key(key: str) -> str:
    """
    The parent of an id key: `<parent>/<child type>/<name>`, or for an extension resource
    (`<resource id>/providers/Microsoft.Insights/diagnosticSettings/<name>`) the resource.
    """
    parts = key.rsplit("/", 4)
    if len(parts) == 5 and parts[1] == "providers" and parts[0].count("/") >= 2:
        return parts[0]
    return key.rsplit("/", 2)[0]


def _merge_keep(trie: dict[str, Any] | None, keep: tuple[tuple[Any, ...], ...] | None) -> dict[str, Any] | None:
    """Add paths to a trie of keys (lower-cased; `{}` leaf: keep the whole value; None: all)."""
    if trie is None or keep is None:
        return None
    for steps in keep:
        node: dict[str, Any] | None = trie
        for step in steps:
            if not isinstance(step, str):
                break  # an index or [*]: the whole array is kept
            assert node is not None
            child = node.get(step.lower())
            if child is not None and not child:
                node = None  # a shorter path already keeps this whole subtree
                break
            node = node.setdefault(step.lower(), {})
        if node is not None and node is not trie:
            node.clear()  # the value at the end of a path is kept whole
    return trie


def _project(doc: Any, trie: dict[str, Any]) -> dict[str, Any]:
    """The parts of `doc` at the trie's keys (matched without case, as paths are)."""
    out: dict[str, Any] = {}
    if not isinstance(doc, dict):
        return out
    for key, value in doc.items():
        sub = trie.get(key.lower()) if isinstance(key, str) else None
        if sub is None:
            continue
        out[key] = value if not sub or not isinstance(value, dict) else _project(value, sub)
    return out


def _type(doc: dict[str, Any]) -> str:
    return str(doc.get("type", "")).lower()


def _values_getter(steps: tuple[Any, ...]) -> Callable[[Any], list[Any]]:
    from scanner.policy.paths import EACH, getter

    if EACH in steps:
        many = multi_getter(steps)

        def get_many(doc: Any) -> list[Any]:
            try:
                v = many(doc)
            except NotAnArray:  # a malformed target cannot refer back; it is judged on its own
                return []
            return [] if v is MISSING else v

        return get_many
    one = getter(steps)

    def get_one(doc: Any) -> list[Any]:
        try:
            v = one(doc)
        except NotAnArray:
            return []
        return [] if v is MISSING else [v]

    return get_one


ACTIVE: ContextVar[RelationIndex | None] = ContextVar("ccscan_relation_index", default=None)
"""The index relationship conditions read; set by the engine around a relational policy."""


def active() -> RelationIndex:
    index = ACTIVE.get()
    if index is None:
        raise RelatedMissing("no related resources are available to this evaluation")
    return index


def index_files(inventories: Iterable[Iterable[Resource]], index: RelationIndex) -> None:
    """
    Pass 1 of a relationship scan: read every file once, keeping only the related types.

    Files are read again (streaming) for evaluation, so memory holds only the index.
    """
    for inv in inventories:
        for resource in inv:
            index.add(resource)
        # a snapshot's header says which child lists its collection could not read
        index.mark_unread((str(i.get("scope", "")), str(i.get("reason", "")))
                          for i in getattr(inv, "incomplete", ()) if isinstance(i, dict))


MERGES: dict[str, tuple[str, str, str]] = {
    # ARM's site list returns `siteConfig` null; the site's `config/web` child is the real one
    # (the live collector reads it inline; a snapshot may hold it as a document of its own).
    "microsoft.web/sites": ("microsoft.web/sites/config", "config/web", "siteConfig"),
}
"""Parent type -> (child type, child id tail, the `properties` key the child fills when absent)."""


def merge_relations(types: Iterable[str]) -> list[Relation]:
    """The child types to index so that policies on `types` see merged children."""
    return [Relation(MERGES[t][0]) for t in sorted(set(types)) if t in MERGES]


def merged(doc: dict[str, Any], type_key: str, index: RelationIndex | None) -> dict[str, Any]:
    """
    `doc` with its absent or null child section filled from the indexed child (a copy), or
    `doc` itself when there is nothing to merge.
    """
    spec = MERGES.get(type_key)
    if spec is None or index is None:
        return doc
    child_type, tail, key = spec
    props = doc.get("properties")
    if props is not None and (not isinstance(props, dict) or props.get(key) is not None):
        return doc
    own = doc.get("id")
    if not isinstance(own, str) or not own:
        return doc
    found = [d for d in index.by_key.get(ref_key(f"{own.rstrip('/')}/{tail}"), ()) if _type(d) == child_type]
    if len(found) != 1 or not isinstance(found[0].get("properties"), dict):
        return doc  # no child (or an odd one): the policy judges the site as it is
    return {**doc, "properties": {**(props or {}), key: found[0]["properties"]}}
