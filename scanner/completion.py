"""
Shell completion: `ccscan completion bash|zsh|fish` prints click's script, and the options
that take a format or a policy id complete them (click runs these when `_CCSCAN_COMPLETE`
is set, the script's way of asking).
"""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem, get_completion_class

SHELLS = ("bash", "zsh", "fish")


def script(cli: click.Command, shell: str) -> str:
    """The completion script for `shell`, to `eval` or save (see README)."""
    cls = get_completion_class(shell)
    if cls is None:  # click.Choice already refuses other names; kept for library callers
        raise click.UsageError(f"no completion for {shell!r} (choose from {', '.join(SHELLS)})")
    return cls(cli, {}, "ccscan", "_CCSCAN_COMPLETE").source()


def complete_formats(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Output formats starting with what was typed."""
    from scanner.report import FORMATS

    return [CompletionItem(f) for f in FORMATS if f.startswith(incomplete.lower())]


def complete_policy_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Ids of the policies the command line names (`--policies`, else the built-in packs)."""
    from scanner.scan import load_policies

    paths: Any = ctx.params.get("policy_paths") or None
    try:
        policies = load_policies(list(paths) if paths else None).policies
    except Exception:  # noqa: BLE001 - a broken catalog completes nothing rather than crash the shell
        return []
    return [CompletionItem(p.id, help=p.title) for p in policies
            if p.id.upper().startswith(incomplete.upper())]
