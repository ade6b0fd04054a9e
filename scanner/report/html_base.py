"""
Helpers for ccscan's self-contained HTML files: escaping, small elements, one page shell.

Every value goes through `esc` (text and attributes alike); pages carry a Content Security
Policy that allows no network fetch at all, only the inline style and script they hold. A
page script may read `data-*` attributes and set `textContent`, never `innerHTML`, so no
string from a scan can become markup. Meant to be shared by every HTML report.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

BASE_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.2rem;margin:2rem 0 .5rem}
h3{font-size:1rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse;margin:.4rem 0 1rem}td,th{border:1px solid #d0d7de;
padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.note{color:#57606a}.ok{color:#1a7f37}.bad{color:#cf222e}
"""


def esc(value: object) -> str:
    """`value` as text safe in element content and in quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def attrs(values: Mapping[str, object]) -> str:
    """` k="v"` for each attribute, escaped; None values are left out."""
    return "".join(f' {k}="{esc(v)}"' for k, v in values.items() if v is not None)


def el(tag: str, text: object = "", **attributes: object) -> str:
    """One element with escaped text (`class_` for `class`, `data_x` for `data-x`)."""
    named = {k.rstrip("_").replace("_", "-"): v for k, v in attributes.items()}
    return f"<{tag}{attrs(named)}>{esc(text)}</{tag}>"


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], row_class: str | None = None,
          **attributes: object) -> str:
    """A table; each cell is already-built HTML (use `esc`/`el` for values)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    tr = f"<tr{attrs({'class': row_class})}>"
    body = "".join(tr + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    named = {k.rstrip("_").replace("_", "-"): v for k, v in attributes.items()}
    return f"<table{attrs(named)}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, body: str, css: str = "", script: str = "") -> str:
    """A whole HTML document: no external resource, CSP forbids fetching any."""
    return page_head(title, css) + body + page_tail(script)


def page_head(title: str, css: str = "") -> str:
    """The document up to and including `<body>`, for a page written in pieces."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(CSP)}\">"
        f"<meta name=\"viewport\" content=\"width=device-width\"><title>{esc(title)}</title>"
        f"<style>{BASE_CSS}{css}</style></head><body>"
    )


def page_tail(script: str = "") -> str:
    """The inline script, if any, and the end of the document."""
    js = f"<script>{script}</script>" if script else ""
    return f"{js}</body></html>\n"
