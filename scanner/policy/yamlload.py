"""
Safe YAML loading that keeps line numbers and refuses what a policy file should never hold.

Built on `yaml.SafeLoader` (no arbitrary tags), plus: duplicate keys are errors, alias
expansion is bounded ("billion laughs"), files are size-capped and must be UTF-8, and
timestamps stay strings so JSON Schema sees what the author wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scanner.errors import PolicyError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Policy, framework and waiver files are hand-written: 5 MiB is far beyond any real one."""
MAX_EXPANDED_NODES = 200_000
"""Nodes after alias expansion; a billion-laughs document expands to ~10^9."""

Pos = tuple[int, int]


class LocDict(dict):
    """
    A mapping that remembers where it and each of its keys stand in the file (1-based).
    """

    pos: Pos = (0, 0)
    key_pos: dict[Any, Pos]
    value_pos: dict[Any, Pos]


class LocList(list):
    """
    A sequence that remembers where it and each of its items stand in the file (1-based).
    """

    pos: Pos = (0, 0)
    item_pos: list[Pos]


def _mark(node: yaml.Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


# libyaml's parser is ~10x faster than the pure-Python one and keeps marks; both are safe
# (the constructor is SafeConstructor either way).
_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader that builds LocDict/LocList and checks duplicates and expansion size."""

    check_aliases = True

    def construct_document(self, node: yaml.Node) -> Any:
        if self.check_aliases:
            _check_expansion(node)
        return super().construct_document(node)


def _check_expansion(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            sizes[key] = -1  # in progress; a recursive alias is rejected by the constructor
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(max(sizes.get(id(c), 1), 1) for c in children)
        if total > MAX_EXPANDED_NODES:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"aliases expand to more than {MAX_EXPANDED_NODES} nodes (alias bomb?)",
                node.start_mark,
            )
        sizes[key] = total


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocDict:
    loader.flatten_mapping(node)
    mapping = LocDict()
    mapping.pos = _mark(node)
    mapping.key_pos = {}
    mapping.value_pos = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in mapping:
            first = mapping.key_pos[key][0]
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {first})", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_pos[key] = _mark(key_node)
        mapping.value_pos[key] = _mark(value_node)
    return mapping


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocList:
    seq = LocList(loader.construct_object(child, deep=True) for child in node.value)
    seq.pos = _mark(node)
    seq.item_pos = [_mark(child) for child in node.value]
    return seq


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def read_text(path: Path, max_bytes: int | None = None, error: type = PolicyError) -> str:
    """
    Return the file's text; raise `error` for a missing, oversized or non-UTF-8 file.
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise error(f"file is {size} bytes, over the {max_bytes}-byte limit", path)
        data = path.read_bytes()
    except OSError as e:
        raise error(f"cannot read file: {e.strerror or e}", path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise error(f"not UTF-8 text (byte 0x{data[e.start]:02x})", path, line) from None


def load_documents(path: Path, error: type = PolicyError) -> list[Any]:
    """
    Return every non-empty YAML document in the file, mappings as `LocDict`.

    Raises `error` (PolicyError by default) with the file and line for anything unsafe
    or malformed: syntax, duplicate keys, unknown tags such as `!!python/object`, alias bombs.
    """
    text = read_text(path, error=error)
    loader = _Loader(text)
    loader.check_aliases = "*" in text and "&" in text  # no anchor, no alias, no bomb
    docs: list[Any] = []
    try:
        while loader.check_data():
            doc = loader.get_data()
            if doc is not None:
                docs.append(doc)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        if "could not determine a constructor" in problem:
            tag = problem.split("tag ", 1)[-1]
            problem = f"unsafe or unknown YAML tag {tag}"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise error(f"invalid YAML: {problem}", path, line, col) from None
    except yaml.YAMLError as e:
        raise error(f"invalid YAML: {e}", path) from None
    except RecursionError:
        raise error("invalid YAML: nesting too deep", path) from None
    finally:
        loader.dispose()
    return docs


def position(doc: Any, path: list[Any] | tuple[Any, ...]) -> Pos | None:
    """
    Return the (line, col) of the deepest node on `path` (keys and list indexes) that is known.
    """
    best: Pos | None = getattr(doc, "pos", None)
    node = doc
    for step in path:
        if isinstance(node, LocDict) and step in node:
            best = node.value_pos.get(step, best)
            node = node[step]
        elif isinstance(node, LocList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_pos[step]
            node = node[step]
        else:
            break
    return best
