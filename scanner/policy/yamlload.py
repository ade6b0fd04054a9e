"""
Safe YAML loading that keeps line numbers and refuses what a policy file should never hold.

Built on `yaml.SafeLoader` (no arbitrary tags), plus: duplicate keys are errors, alias
expansion and nesting depth are bounded ("billion laughs", stack exhaustion), files are
size-capped and must be UTF-8, timestamps stay strings so JSON Schema sees what the author
wrote, mapping keys must be strings, `!!binary`/`!!set`/`!!omap`/`!!pairs` are refused, and
an unquoted scalar that YAML 1.1 would read as something other than its text (`yes` -> true,
`1.10` -> 1.1, `22:22` -> 1342, `012` -> 10) is an error asking for quotes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import PolicyError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Policy, framework and waiver files are hand-written: 5 MiB is far beyond any real one."""
MAX_EXPANDED_NODES = 200_000
"""Nodes in one document after alias expansion; a billion-laughs document expands to ~10^9,
and the largest built-in pack file holds a few thousand."""
MAX_DEPTH = 100
"""Nested mappings/sequences (after alias expansion). Real policies and ARM documents stay
under 20; the limit keeps every recursive consumer (constructor, schema, compiler) safe."""

PRESCAN_CHARS = 64 * 1024
"""Files above this size (the largest built-in pack file is ~25 KiB) are first read as a stream
of parser events, so a huge document is refused after MAX_EXPANDED_NODES events instead of
after composing millions of nodes (seconds and hundreds of MiB)."""

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

    has_aliases = True

    def construct_document(self, node: yaml.Node) -> Any:
        if self.has_aliases:
            _check_shape(node)
        else:
            _check_depth(node)  # a plain tree: the cheaper walk suffices
        return super().construct_document(node)


def _error(message: str, node: yaml.Node | yaml.Event) -> yaml.constructor.ConstructorError:
    mark: Any = node.start_mark  # libyaml's C Mark or PyYAML's: the same fields
    return yaml.constructor.ConstructorError(None, None, message, mark)


def _check_depth(root: yaml.Node) -> None:
    """Bound the size and nesting of an alias-free document (a tree), iteratively."""
    scalar = yaml.ScalarNode
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _error(f"nested deeper than {MAX_DEPTH} levels", node)
        if isinstance(node, yaml.MappingNode):
            nodes += 2 * len(node.value)
            children = [c for pair in node.value for c in pair if c.__class__ is not scalar]
        elif isinstance(node, yaml.SequenceNode):
            nodes += len(node.value)
            children = [c for c in node.value if c.__class__ is not scalar]
        else:
            continue
        if nodes > MAX_EXPANDED_NODES:
            raise _error(f"more than {MAX_EXPANDED_NODES} values in one document", node)
        stack.extend((c, depth + 1) for c in children)


def _check_shape(root: yaml.Node) -> None:
    """
    Bound expanded size and depth before anything recurses over the tree.

    Iterative, post-order over the node graph (aliases make it a DAG): each node's expanded
    size and height are computed once, so the check itself cannot be made slow or deep.
    """
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key], heights[key] = 1, 0
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
            raise _error(f"aliases expand to more than {MAX_EXPANDED_NODES} nodes (alias bomb?)", node)
        height = 1 + max((heights.get(id(c), 0) for c in children), default=0)
        if height > MAX_DEPTH:
            raise _error(f"nested deeper than {MAX_DEPTH} levels", node)
        sizes[key], heights[key] = total, height


def _prescan(text: str) -> None:
    """Bound values per document and nesting from parser events alone (constant memory)."""
    events = _Base(text)
    try:
        nodes = depth = 0
        while events.check_event():
            event = events.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                nodes = depth = 0
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _error(f"nested deeper than {MAX_DEPTH} levels", event)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):  # scalars, aliases and collection starts
                nodes += 1
                if nodes > MAX_EXPANDED_NODES:
                    raise _error(f"more than {MAX_EXPANDED_NODES} values in one document", event)
    finally:
        events.dispose()


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocDict:
    loader.flatten_mapping(node)
    mapping = LocDict()
    mapping.pos = _mark(node)
    mapping.key_pos = {}
    mapping.value_pos = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            # JSON, JSON Schema and every path are string-keyed: `on:` (true) or `1:` would
            # silently never match anything.
            raise _error(f"a mapping key must be a string; quote it: {_quoted(key_node)}", key_node)
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


def _quoted(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return "a key must be a plain string"
    return "'" + _clip(str(node.value)).replace("'", "''") + "'"


def _printed(value: Any) -> str:
    """How a value reads back when written out (YAML 1.2, JSON): the author's text, if faithful."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


_NULL_TEXTS = frozenset(("", "~", "null", "Null", "NULL"))


def _typed_scalar(base: Callable[[Any, yaml.ScalarNode], Any], what: str) -> Callable[[Any, yaml.ScalarNode], Any]:
    def construct(loader: Any, node: yaml.ScalarNode) -> Any:
        try:
            value = base(loader, node)
        except (ValueError, KeyError, IndexError, TypeError, OverflowError) as e:
            # `!!int abc`, `!!bool maybe`, or an int past Python's digit limit (ValueError).
            detail = str(e).split(":")[0] if isinstance(e, ValueError) else "not a valid value"
            raise _error(f"cannot read {_clip(node.value)} as {what} ({detail})", node) from None
        if node.style in (None, "") and _faithless(value, node.value):
            raise _error(
                f"YAML 1.1 reads unquoted {_clip(node.value)} as {what} {_clip(_printed(value))}, "
                f"not the text: quote it: {_quoted(node)}",
                node,
            )
        return value

    return construct


def _faithless(value: Any, text: str) -> bool:
    """True when a plain scalar's value does not print back as its text (case aside)."""
    if value is None:
        return text not in _NULL_TEXTS
    return _printed(value) != text.lower() if isinstance(value, bool) else _printed(value) != text


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _refuse(loader: Any, node: yaml.Node) -> Any:
    # Policies, waivers and tests hold JSON-shaped data: bytes, sets and ordered pairs have no
    # JSON form, and would compare unequal to everything an inventory holds.
    raise _error(f"YAML tag {node.tag} is not allowed here (the data must be JSON-shaped)", node)


def _refuse_value(loader: Any, node: yaml.Node) -> Any:
    raise _error(f"YAML 1.1 reads an unquoted = as a special value: quote it: {_quoted(node)}", node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
for _tag, _what in (("bool", "the boolean"), ("int", "the number"), ("float", "the number"),
                    ("null", "null")):
    _name = f"tag:yaml.org,2002:{_tag}"
    _Loader.add_constructor(_name, _typed_scalar(yaml.SafeLoader.yaml_constructors[_name], _what))
for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)
_Loader.add_constructor("tag:yaml.org,2002:value", _refuse_value)


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
    loader.has_aliases = "*" in text and "&" in text  # no anchor, no alias: a tree
    docs: list[Any] = []
    try:
        if len(text) > PRESCAN_CHARS:
            _prescan(text)
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
    except yaml.reader.ReaderError as e:
        # A control character or other unreadable one: the reader knows only its offset (in
        # UTF-8 bytes for libyaml, in characters for the pure-Python reader).
        before = text[: e.position]
        if _Base is not yaml.SafeLoader:
            before = text.encode("utf-8")[: e.position].decode("utf-8", "ignore")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        char = f"#x{e.character:04x}" if isinstance(e.character, int) else repr(e.character)
        raise error(f"invalid YAML: character {char} is not allowed ({e.reason})", path, line, col) from None
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
