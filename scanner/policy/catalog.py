"""
Load policy and framework files into a `Catalog`: validated, compiled and cross-checked.

Problems never stop loading: each becomes a `LintMessage`, so `ccscan lint` can report them
all; `scan` and `test` refuse a catalog with any error.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.errors import PolicyError
from scanner.policy.compile import ConditionCompiler
from scanner.policy.display import show
from scanner.policy.model import Control, Framework, LintMessage, Policy, TestCase
from scanner.policy.paths import PathSyntaxError, getter, parse_path
from scanner.policy.related import with_root
from scanner.policy.yamlload import LocDict, load_documents, position
from scanner.resources import builtin_policies, schema
from scanner.walk import find_files

POLICY_SUFFIXES = (".yaml", ".yml")


@dataclass
class Catalog:
    """
    Compiled policies (sorted by id), frameworks by id, and every problem found.
    """

    policies: list[Policy] = field(default_factory=list)
    frameworks: dict[str, Framework] = field(default_factory=dict)
    messages: list[LintMessage] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def errors(self) -> list[LintMessage]:
        return [m for m in self.messages if m.severity == "error"]

    def raise_on_errors(self) -> None:
        """
        Raise PolicyError for the first error (by file and line), naming how many there are.
        """
        errors = sorted(self.errors(), key=lambda m: (m.path, m.line or 0, m.col or 0))
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more; run `ccscan lint`)" if len(errors) > 1 else ""
            raise PolicyError(first.message + more, first.path, first.line, first.col)

    def index(self) -> dict[str, list[Policy]]:
        """Policies by lower-cased resource type."""
        idx: dict[str, list[Policy]] = {}
        for p in self.policies:
            for t in p.types:
                idx.setdefault(t, []).append(p)
        return idx

    def relations(self) -> list[Any]:
        """Every relationship the policies follow (what the engine indexes before evaluating)."""
        from scanner.relindex import merge_relations

        return [r for p in self.policies for r in p.relations] + merge_relations(
            t for p in self.policies for t in p.types)

    def resource_types(self) -> set[str]:
        """The lower-cased resource types the policies need (what a collector should fetch)."""
        # Not the merged children (`config/web`): the collector reads those inline.
        return {t for p in self.policies for t in p.types} | {r.type for p in self.policies for r in p.relations}

    def select_framework(self, framework_id: str) -> Catalog:
        """
        Keep only the policies mapped to `framework_id` (by either side of the mapping).
        """
        # case-insensitive: `--framework SOC2` is soc2
        framework_id = next((k for k in self.frameworks if k.lower() == framework_id.lower()), framework_id)
        fw = self.frameworks.get(framework_id)
        if fw is None:
            known = ", ".join(sorted(self.frameworks)) or "none loaded"
            raise PolicyError(f"unknown framework {framework_id!r} (known: {known})")
        mapped = {pid for c in fw.controls for pid in c.policies}
        keep = [p for p in self.policies if p.id in mapped or framework_id in p.frameworks]
        return replace(self, policies=keep, frameworks={framework_id: fw})


def discover(paths: Sequence[Path]) -> list[Path]:
    """
    Return the YAML files under `paths`, sorted; raise PolicyError for a path that is not there
    or a directory with no policy files.
    """
    found = find_files(paths, POLICY_SUFFIXES, "policy", PolicyError)
    return sorted(dict.fromkeys(_display(p) for p in found))


def _display(path: Path) -> Path:
    """Relative to the working directory where possible: reports and bundles name it so."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def load_catalog(paths: Sequence[Path], builtin_frameworks: bool = True,
                 type_check: bool = False) -> Catalog:
    """
    Load every policy and framework under `paths` into a Catalog.

    Policies may name controls of frameworks that are not under `paths`; the built-in
    frameworks are consulted for those (unless `builtin_frameworks` is False). `type_check`
    checks types and paths against the type index (lint and test; scan does not pay for it).
    """
    cat = Catalog(files=discover(paths))
    docs: list[tuple[Path, Any]] = []
    for file in cat.files:
        try:
            found = load_documents(file)
            if not any(d is not None for d in found):
                # An empty file is a policy that checks nothing: most likely a mistake.
                cat.messages.append(LintMessage(str(file), 1, 1, "error", "empty-file",
                                                "empty policy file: no policy or framework in it"))
            for doc in found:
                docs.append((file, doc))
        except PolicyError as e:
            cat.messages.append(LintMessage(str(file), e.line, e.col, "error", "yaml", e.message))
    for file, doc in docs:
        if isinstance(doc, dict) and "framework" in doc:
            fw = _load_framework(file, doc, cat.messages)
            if fw is not None:
                cat.frameworks[fw.id] = fw
    for file, doc in docs:
        if not (isinstance(doc, dict) and "framework" in doc):
            policy = _load_policy(file, doc, cat.messages, type_check)
            if policy is not None:
                cat.policies.append(policy)
    _cross_check(cat, builtin_frameworks)
    cat.policies.sort(key=lambda p: p.id)
    if _SCHEMA_CACHE:
        _SCHEMA_CACHE[0].save()
    return cat


def _sha256(doc: Any) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


_SCHEMA_CACHE: list[Any] = []


def _schema_messages(
    file: Path, doc: Any, name: str, skip_under: tuple[str, ...] = ()
) -> list[LintMessage]:
    from scanner.policy.schemacache import SchemaCache, cache_file, key

    if not _SCHEMA_CACHE:
        _SCHEMA_CACHE.append(SchemaCache(cache_file()))
    known, k = _SCHEMA_CACHE[0], key(name, skip_under, doc)
    if known.hit(k):
        return []  # validated clean before, byte for byte: jsonschema need not be imported
    out = _validate(file, doc, name, skip_under)
    if not out:
        known.add(k)
    return out


def _validate(file: Path, doc: Any, name: str, skip_under: tuple[str, ...]) -> list[LintMessage]:
    from jsonschema import Draft202012Validator  # deferred: only files being loaded pay for it

    validator = _validator(name, Draft202012Validator)
    out = []
    pid = doc.get("id") if isinstance(doc, dict) and isinstance(doc.get("id"), str) else None
    for err in validator.iter_errors(doc):
        path = list(err.absolute_path)
        if path and path[0] in skip_under:
            continue  # conditions: the compiler reports these with better words
        where = ".".join(str(p) for p in path)
        message = err.message
        pos = position(doc, path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = list(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in allowed]
            for key in extra:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                tip = f" (did you mean {show(hint[0])}?)" if hint else ""
                kpos = err.instance.key_pos.get(key) if isinstance(err.instance, LocDict) else pos
                line, col = kpos or (None, None)
                label = f"{where}: " if where else ""
                out.append(LintMessage(str(file), line, col, "error", "unknown-field",
                                       f"{label}unknown field {show(key)}{tip}", pid))
            continue
        if err.validator == "required" and isinstance(err.instance, dict):
            pos = getattr(err.instance, "pos", pos)
        line, col = pos or (None, None)
        label = f"{where}: " if where else ""
        out.append(LintMessage(str(file), line, col, "error", "schema", f"{label}{message}", pid))
    return out


_VALIDATORS: dict[str, Any] = {}


def _validator(name: str, cls: Any) -> Any:
    if name not in _VALIDATORS:
        _VALIDATORS[name] = cls(schema(name))
    return _VALIDATORS[name]


def _load_framework(file: Path, doc: dict[str, Any], messages: list[LintMessage]) -> Framework | None:
    problems = _schema_messages(file, doc, "framework")
    messages.extend(problems)
    if problems:
        return None
    controls = []
    seen: set[str] = set()
    for i, c in enumerate(doc["controls"]):
        if c["id"] in seen:
            line, col = position(doc, ["controls", i]) or (None, None)
            messages.append(LintMessage(str(file), line, col, "error", "duplicate-control",
                                        f"duplicate control id {show(c['id'])}"))
        seen.add(c["id"])
        controls.append(Control(c["id"], c["title"], c.get("description", ""),
                                tuple(c.get("policies", []))))
    return Framework(doc["framework"], doc["title"], str(doc.get("version", "")),
                     tuple(controls), str(file), _sha256(doc), source=doc)


def _load_policy(file: Path, doc: Any, messages: list[LintMessage], type_check: bool) -> Policy | None:
    if not isinstance(doc, dict):
        line, col = getattr(doc, "pos", (None, None))
        messages.append(LintMessage(str(file), line, col, "error", "schema",
                                    "a policy document must be a mapping"))
        return None
    before = len(messages)
    messages.extend(_schema_messages(file, doc, "policy", skip_under=("assert", "where")))
    pid = doc.get("id") if isinstance(doc.get("id"), str) else None
    compiler = ConditionCompiler(str(file), pid, messages)
    if "assert" not in doc:
        return None
    check, text = compiler.compile(doc["assert"])
    where = compiler.compile(doc["where"])[0] if "where" in doc else None
    if compiler.uses_root:  # `sameAs` reads the judged resource from inside relations
        check, where = with_root(check), (with_root(where) if where is not None else None)
    requires = []
    for i, raw in enumerate(doc.get("requires") or []):
        try:
            rpath = parse_path(raw)
            if rpath.has_each:
                raise PathSyntaxError(f"requires path {raw!r} cannot use '[*]'")
            requires.append((rpath.text, getter(rpath.steps)))
        except PathSyntaxError as e:
            line, col = position(doc, ["requires", i]) or (None, None)
            messages.append(LintMessage(str(file), line, col, "error", "bad-path", str(e), pid))
    if len(messages) > before and any(m.severity == "error" for m in messages[before:]):
        return None
    types = doc["resource"] if isinstance(doc["resource"], list) else [doc["resource"]]
    tests = tuple(
        TestCase(t["name"], t["expect"], _test_resource(t["resource"], types[0], t["name"]),
                 getattr(t, "pos", (None,))[0],
                 tuple(_plain(r) for r in t.get("related") or () if isinstance(r, dict)))
        for t in doc.get("tests") or []
    )
    if type_check:
        _type_check(file, doc, pid, tests, messages)
    if any(m.severity == "error" for m in messages[before:]):
        return None
    return Policy(
        id=doc["id"], title=doc["title"], severity=doc["severity"],
        types=tuple(t.lower() for t in types), type_names=tuple(types),
        check=check, expectation=text, where=where, requires=tuple(requires),
        description=doc.get("description", ""), remediation=doc.get("remediation", ""),
        references=tuple(doc.get("references") or ()),
        frameworks={k: list(v) for k, v in (doc.get("frameworks") or {}).items()},
        tests=tests, file=str(file), line=doc.pos[0] if isinstance(doc, LocDict) else None,
        sha256=_sha256(doc), source=doc, relations=tuple(compiler.relations),
    )


def _type_check(file: Path, doc: Any, pid: str | None, tests: tuple[TestCase, ...],
                messages: list[LintMessage]) -> None:
    from scanner.policy.typecheck import TypeChecker  # deferred: loads the type index

    checker = TypeChecker(str(file), pid, messages)
    known = checker.types(doc)
    checker.paths(doc, known)
    raw = doc.get("resource")
    checker.tests(tests, [str(t) for t in (raw if isinstance(raw, list) else [raw])])


def _test_resource(resource: dict, default_type: str, name: str) -> dict:
    doc = _plain(resource)
    doc.setdefault("type", default_type)
    doc.setdefault("id", f"/test/{name}")
    doc.setdefault("name", name)
    return doc


def _plain(value: Any) -> Any:
    """Turn LocDict/LocList trees into plain dicts and lists (what inventories hold)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _cross_check(cat: Catalog, builtin_frameworks: bool) -> None:
    seen: dict[str, Policy] = {}
    for p in cat.policies:
        if p.id in seen:
            first = seen[p.id]
            cat.messages.append(LintMessage(p.file, p.line, 1, "error", "duplicate-id",
                                            f"duplicate policy id {show(p.id)} (also at {first.file}:{first.line})", p.id))
        else:
            seen[p.id] = p
        _check_tests(cat, p)
    frameworks = dict(cat.frameworks)
    if builtin_frameworks and any(f not in frameworks for p in cat.policies for f in p.frameworks):
        frameworks = {**_builtin_frameworks(), **frameworks}
    for p in cat.policies:
        for fw_id, controls in p.frameworks.items():
            fw = frameworks.get(fw_id)
            if fw is None:
                line, col = _key_pos(p.source, "frameworks", fw_id) or (p.line, 1)
                hint = difflib.get_close_matches(fw_id, list(frameworks), n=1)
                tip = f" (did you mean {show(hint[0])}?)" if hint else ""
                cat.messages.append(LintMessage(p.file, line, col, "error", "unknown-framework",
                                                f"policy {p.id}: unknown framework {show(fw_id)}{tip}", p.id))
                continue
            if fw_id not in cat.frameworks:
                # The scan's Controls section must show the mapping the author wrote.
                cat.frameworks[fw_id] = replace(fw, borrowed=True)
            known = {c.id for c in fw.controls}
            for i, cid in enumerate(controls):
                if cid not in known:
                    hint = difflib.get_close_matches(cid, known, n=1)
                    tip = f" (did you mean {show(hint[0])}?)" if hint else ""
                    line, col = position(p.source, ["frameworks", fw_id, i]) or (p.line, 1)
                    cat.messages.append(LintMessage(p.file, line, col, "error", "unknown-control",
                                                    f"policy {p.id}: {fw_id} has no control {show(cid)}{tip}", p.id))
    ids = set(seen)
    for fw in cat.frameworks.values():
        if fw.borrowed:
            continue  # maps the built-in policies, which need not be loaded
        for ci, c in enumerate(fw.controls):
            for pi, pid in enumerate(c.policies):
                if cat.policies and pid not in ids:
                    pos = position(fw.source, ["controls", ci, "policies", pi])
                    hint = difflib.get_close_matches(pid, ids, n=1)
                    tip = f" (did you mean {show(hint[0])}?)" if hint else ""
                    cat.messages.append(LintMessage(fw.file, pos[0] if pos else None,
                                                    pos[1] if pos else None, "warning", "unknown-policy",
                                                    f"{fw.id} control {c.id} maps unknown policy {show(pid)}{tip}"))


def _check_tests(cat: Catalog, p: Policy) -> None:
    if not p.tests:
        cat.messages.append(LintMessage(p.file, p.line, 1, "warning", "no-tests",
                                        f"policy {p.id} has no tests", p.id))
        return
    for kind in ("pass", "fail"):
        if not any(t.expect == kind for t in p.tests):
            cat.messages.append(LintMessage(p.file, p.line, 1, "warning", "no-tests",
                                            f"policy {p.id} has no {show(kind)} test case", p.id))
    names: dict[str, TestCase] = {}
    for t in p.tests:
        first = names.setdefault(t.name, t)
        if first is not t:
            # `ccscan test` names cases in its output: two of a name cannot be told apart.
            cat.messages.append(LintMessage(p.file, t.line, None, "error", "duplicate-test",
                                            f"policy {p.id}: duplicate test name {show(t.name)} "
                                            f"(also at line {first.line})", p.id))


def _key_pos(doc: Any, *keys: str) -> tuple[int, int] | None:
    """The position of the last key of `keys` (the key itself, not its value)."""
    node = doc
    for k in keys[:-1]:
        node = node.get(k) if isinstance(node, dict) else None
    if isinstance(node, LocDict) and keys[-1] in node:
        return node.key_pos.get(keys[-1])
    return position(doc, list(keys)) if doc is not None else None


def _builtin_frameworks() -> dict[str, Framework]:
    root = builtin_policies() / "frameworks"
    if not root.is_dir():
        return {}
    messages: list[LintMessage] = []
    out = {}
    for file in sorted(root.glob("*.y*ml")):
        try:
            for doc in load_documents(file):
                if isinstance(doc, dict) and "framework" in doc:
                    fw = _load_framework(file, doc, messages)
                    if fw:
                        out[fw.id] = fw
        except PolicyError:
            continue
    return out

