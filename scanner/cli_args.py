"""
Command-line mechanics click does not give on its own: the order options were typed in
(so `--format`/`--output` pair by adjacency) and global options accepted after the subcommand.
"""

from __future__ import annotations

from typing import Any

import click

ORDER_KEY = "ccscan.order"
"""ctx.meta key: [(param name, raw value), ...] for the ordered options, as typed."""

ORDERED = ("formats", "outputs")


class OrderedCommand(click.Command):
    """
    A command that records, in `ctx.meta[ORDER_KEY]`, each occurrence of the ORDERED options
    in the order the parser met them: click hands a command one list per option, and which
    `--output` followed which `--format` is lost there.
    """

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def parse_args(args: list[str]) -> Any:
            opts, largs, order = parse(args)
            # `order` holds one entry per occurrence; the values come out of opts in the same order
            seen: dict[str, int] = {}
            typed: list[tuple[str, Any]] = []
            for param in order:
                name = getattr(param, "name", None)
                if name in ORDERED:
                    i = seen.get(name, 0)
                    seen[name] = i + 1
                    typed.append((name, opts[name][i]))
            ctx.meta[ORDER_KEY] = typed
            return opts, largs, order

        parser.parse_args = parse_args  # type: ignore[method-assign]  # wrap, keep its result
        return parser


def _late(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Merge a global option given after the subcommand into the root's settings."""
    if not value:
        return
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    key = {"late_verbose": "verbose", "late_quiet": "quiet", "late_no_color": "no_color"}[str(param.name)]
    obj[key] = obj.get(key, 0) + value if key == "verbose" else True
    apply = obj.get("apply")
    if callable(apply):
        apply(obj)


def global_params() -> list[click.Option]:
    """`-v`, `-q`, `--no-color` again, for every subcommand (`ccscan scan x -q` = `ccscan -q scan x`)."""
    return [
        click.Option(["-v", "--verbose", "late_verbose"], count=True, expose_value=False,
                     callback=_late, help="Same as `ccscan -v` (more log lines; -vv: tracebacks)."),
        click.Option(["-q", "--quiet", "late_quiet"], is_flag=True, expose_value=False,
                     callback=_late, help="Same as `ccscan -q`."),
        click.Option(["--no-color", "late_no_color"], is_flag=True, expose_value=False,
                     callback=_late, help="Same as `ccscan --no-color`."),
    ]


class GlobalOptionsGroup(click.Group):
    """A group whose every subcommand (and sub-subcommand) also takes the global options."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        taken = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        cmd.params.extend(p for p in global_params() if not taken & set(p.opts))
        super().add_command(cmd, name)


GlobalOptionsGroup.group_class = GlobalOptionsGroup
