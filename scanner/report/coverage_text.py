"""
The coverage block of the plain-text reports (table, bundle summary): what was not judged.

Reporters call `coverage_lines` and escape each line for their medium themselves.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator

from scanner.findings import Coverage, TypeCoverage
from scanner.terminal import escape

SHOWN_EXAMPLES = 3
"""Example ids shown per type (the JSON result keeps Coverage.examples)."""

KIND_TEXT = {
    "uncovered": "no selected policy checks the type",
    "not_applicable": "policies check the type, but every `where` excluded them",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(coverage: Coverage) -> str:
    """One line: how many resources were read, judged and not judged."""
    c = coverage
    if c.resources == 0:
        return "Nothing judged: no resources read"
    if c.not_judged == 0:
        return f"Coverage: all {_plural(c.resources, 'resource')} judged by at least one policy"
    types = len(c.uncovered) + len(c.not_applicable)
    return (f"Not judged: {_plural(c.not_judged, 'resource')} of {_plural(types, 'type')} "
            f"(of {c.resources} read, {c.judged} judged)")


def clip_middle(text: str, width: int | None) -> str:
    """Cut `text` to `width` in the middle: an id's start (account) and end (name) matter most."""
    if width is None or len(text) <= width:
        return text
    head = (width - 1) // 3
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def _same(text: str) -> str:
    return text


def group_lines(kind: str, types: tuple[TypeCoverage, ...], examples: int,
                width: int | None = None, esc: Callable[[str], str] = _same) -> Iterator[str]:
    """
    The lines of one kind: a heading, then per type its count and a few ids, each passed
    through `esc` before it is cut (so escaping cannot push a line past `width`).
    """
    if not types:
        return
    total = sum(t.count for t in types)
    yield f"  {KIND_TEXT[kind]}: {_plural(total, 'resource')} of {_plural(len(types), 'type')}"
    for t in types:
        count = f"  {t.count}"
        yield f"    {clip_middle(esc(t.type), None if width is None else width - 4 - len(count))}{count}"
        for rid in t.examples[:examples]:
            yield f"      {clip_middle(esc(rid), None if width is None else width - 6)}"
        more = t.count - min(len(t.examples), examples)
        if more > 0:
            yield f"      … and {more} more"


def coverage_lines(coverage: Coverage, examples: int = SHOWN_EXAMPLES,
                   width: int | None = None, esc: Callable[[str], str] = _same) -> list[str]:
    """
    Return the coverage block: the headline and each kind per type, types and ids passed
    through `esc` (unescaped by default) and cut in the middle to `width` when one is given.
    """
    lines = [headline(coverage)]
    if coverage.not_judged == 0:
        return lines
    lines += group_lines("uncovered", coverage.uncovered, examples, width, esc)
    lines += group_lines("not_applicable", coverage.not_applicable, examples, width, esc)
    if coverage.listing is None:
        lines.append("  (--show-uncovered lists every one)")
    return lines


def listing_lines(coverage: Coverage) -> Iterator[str]:
    """With `--show-uncovered`: one line per not-judged resource, streamed from the scan's file."""
    if coverage.listing is None or not coverage.not_judged:
        return
    yield "Not judged, every resource (kind, type, id):"
    for kind, rtype, rid in coverage.ids():
        yield f"  {kind}  {rtype}  {rid}"


def write_table_block(write: Callable[[str], object], coverage: Coverage,
                      paint: Callable[[str, str], str] = lambda text, _status: text,
                      width: int = 100) -> None:
    """
    Write the table's coverage block, escaped for a terminal (ids and types come from
    inventories), the headline coloured as a warning when something was not judged.
    Example ids are cut to `width`; the `--show-uncovered` listing keeps whole ids.
    """
    lines = coverage_lines(coverage, width=width, esc=escape)
    status = "unknown" if coverage.not_judged or not coverage.resources else "pass"
    write("\n" + paint(lines[0], status) + "\n")
    for line in lines[1:]:
        # ids are already cut to the width; a long heading wraps under its own indent
        indent = " " * (len(line) - len(line.lstrip(" ")) + 2)
        for part in textwrap.wrap(line, width, subsequent_indent=indent) or [line]:
            write(part + "\n")
    for line in listing_lines(coverage):
        write(escape(line) + "\n")
