"""
The ccscan command line: click commands only; each builds options, calls one function,
renders, and maps the outcome to an exit code (0 ok, 1 failing findings, 2 usage/policy/input
error, 3 incomplete scan, 4 internal error; see scanner.guard).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from scanner import __version__, guard, settings, signals
from scanner.cli_args import ORDER_KEY, GlobalOptionsGroup, OrderedCommand
from scanner.collect import aws_cli, azure_cli
from scanner.completion import SHELLS, complete_formats, complete_policy_ids
from scanner.findings import SEVERITIES
from scanner.ship.options import options as ship_options
from scanner.terminal import EscapingFormatter, escape

logger = logging.getLogger("scanner")

FAIL_ON = (*SEVERITIES, "none")
PathArg = click.Path(path_type=Path)


class CcscanGroup(GlobalOptionsGroup):
    """Every exception of every command becomes one stderr line and one exit code (guard)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        restore = signals.install()
        try:
            return super().main(*args, **kwargs)
        except SystemExit as e:
            raise SystemExit(guard.final_code(e.code)) from None
        except BaseException as e:  # noqa: BLE001 - raised outside invoke(): parsing, click itself
            raise SystemExit(guard.final_code(guard.exit_code_for(e, 0))) from None
        finally:
            restore()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BaseException as e:  # noqa: BLE001 - exit_code_for re-raises what is not ours
            obj = ctx.obj if isinstance(ctx.obj, dict) else {}
            ctx.exit(guard.exit_code_for(e, obj.get("verbose", ctx.params.get("verbose") or 0)))


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = settings.log_level() or (
        "ERROR" if quiet else "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING"
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(EscapingFormatter("ccscan: %(levelname)s: %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


@click.group(cls=CcscanGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="ccscan")
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv: tracebacks too).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; with --output-dir, no table on stdout.")
@click.option("--no-color", is_flag=True, help="No ANSI colours (also when NO_COLOR is set or stdout is no TTY).")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, no_color: bool) -> None:
    """
    ccscan: compliance scanner for confidential AI workloads.

    Evaluates YAML policies (confidential VMs, encryption in transit for model calls, SOC 2
    controls) against Azure and AWS inventories, saved or collected live.

    \b
    Exit codes: 0 no failing finding at or above --fail-on
                1 failing findings
                2 usage, policy or input error
                3 scan incomplete (a scope or resource could not be read)
                4 internal error (a bug: please report; -vv shows the traceback)
                130 interrupted; 128+N on signal N (SIGTERM 143, SIGHUP 129)
    """
    settings.check_all()
    ctx.obj = {"verbose": verbose, "quiet": quiet, "no_color": no_color, "apply": _apply_globals}
    _apply_globals(ctx.obj)


def _apply_globals(obj: dict[str, Any]) -> None:
    """(Re)apply -v/-q/--no-color: also called when a subcommand gets them after its name."""
    _setup_logging(obj["verbose"], obj["quiet"])
    obj["color"] = not obj["no_color"] and not settings.no_color() and sys.stdout.isatty()


def _policy_option(f: Any) -> Any:
    return click.option(
        "--policies", "policy_paths", multiple=True, type=PathArg, metavar="PATH",
        help="Policy file or directory (repeatable). Default: the built-in packs; "
        "`builtin` names them next to your own.",
    )(f)


@main.command(cls=OrderedCommand)
@click.argument("inventory", nargs=-1, type=PathArg)
@_policy_option
@click.option("--framework", metavar="ID",
              help="Run only the policies mapped to this framework (e.g. soc2; any case).")
@click.option("--check", "checks", multiple=True, metavar="ID|GLOB", shell_complete=complete_policy_ids,
              help="Run only these policies (repeatable; globs like 'CCS-AZ-*'; any case).")
@click.option("--skip-check", "skips", multiple=True, metavar="ID|GLOB", shell_complete=complete_policy_ids,
              help="Do not run these policies (repeatable; globs; any case).")
@click.option("--severity", "severity_levels", multiple=True, metavar="LEVEL[,LEVEL]",
              help="Run only policies of these severities (info, low, medium, high, critical).")
@click.option("--format", "formats", multiple=True, metavar="FORMAT", shell_complete=complete_formats,
              help="Output format: table, json, ocsf, sarif, junit, csv, html. Repeatable; "
              "each --output takes the --format right before it.")
@click.option("--output", "-o", "outputs", multiple=True, type=PathArg, metavar="FILE",
              help="Write the --format right before it here; alone, the format comes from the "
              "file name (.json .sarif .jsonl .xml .html .csv .txt). Default: stdout.")
@click.option("--output-dir", type=PathArg, metavar="DIR",
              help="Write every --format without its own --output to DIR/ccscan.<ext>.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="info", show_default=True,
              help="Exit 1 when a failing finding has at least this severity; `none` never fails on findings.")
@click.option("--fail-on-unknown", is_flag=True, help="Count `unknown` findings (missing evidence) as failures.")
@click.option("--waivers", "waivers_file", type=PathArg, metavar="FILE",
              help="YAML waivers: accepted risks with owner, reason and expiry (see README).")
@click.option("--allow-broad-waivers", is_flag=True,
              help="Accept a waiver whose policy and resource are both `*`.")
@click.option("--baseline", "baseline_file", type=PathArg, metavar="FILE",
              help="An earlier scan result (JSON): mark findings new/unchanged, list resolved ones.")
@click.option("--fail-on-new", is_flag=True, help="With --baseline: exit 1 only for new failing findings.")
@click.option("--input-format", default="auto", show_default=True, metavar="FORMAT",
              help="Force the inventory format: snapshot, arm-list, resource-graph, arm, az-cli, "
              "azure-powershell, aws-ec2-instances, aws-ec2-volumes, aws-ec2-reservation, "
              "aws-ec2-instance, aws-ec2-volume, aws-kms-key, aws-elbv2-load-balancers, "
              "aws-ec2-vpcs, aws-ec2-security-groups, aws-s3-buckets, aws-config.")
@click.option("--scan-id", metavar="ID", help="Use this scan id (default: a random UUID).")
@click.option("--workers", metavar="N|auto", default="auto", show_default=True,
              help="Processes evaluating JSONL files of 32 MiB or more. auto: the usable cores (at "
                   "most 4, within a cgroup CPU quota) when every output is --format json without "
                   "--waivers/--baseline/--bundle, else 1 (measured: only then do workers pay); "
                   "1 with --dask. The result is the same bytes whatever N.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Evaluate JSONL shards on a Dask cluster: tcp://HOST:PORT, tls://HOST:PORT or "
                   "local:N (N workers on this machine); needs ccscan[dask]. Same bytes as one process.")
@click.option("--on-duplicate", type=click.Choice(["error", "first"]), default="error", show_default=True,
              help="A resource id read twice: exit 2, or keep the first copy and skip the others.")
@click.option("--bundle", "bundle_out", type=PathArg, metavar="OUT.tar.gz",
              help="Also write a deterministic evidence bundle (scan, redacted inventory, policies).")
@click.option("--sign-key", type=PathArg, metavar="KEY",
              help="Sign the bundle with this Ed25519 key (`ccscan keygen`); an encrypted key "
              "reads its passphrase from CCSCAN_KEY_PASSPHRASE or --passphrase-env.")
@click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the --sign-key passphrase.")
@click.option("--ledger", "ledger_dir", type=PathArg, metavar="DIR",
              help="Chain the signed bundle to the last one in this ledger and append it (SOC 2 Type II).")
@click.option("--cadence", metavar="N[hdw]", help="With --ledger: the declared scan interval (default 1d).")
@click.option("--explain", "explain_id", metavar="POLICY_ID", shell_complete=complete_policy_ids,
              help="Print this policy's evaluation trace for every resource of its types to stderr.")
@click.option("--sarif-all", is_flag=True, help="SARIF: passing findings are results too (still capped).")
@click.option("--show-uncovered", is_flag=True,
              help="List every resource no selected policy judged (default: counts and a few ids per type).")
@click.option("--allow-empty", is_flag=True,
              help="Accept a scan that judged nothing (else exit 2: an empty scan is not a clean one).")
@click.option("--ship", "ship_targets", multiple=True, metavar="SINK",
              help="After the scan, ship its findings: sentinel, splunk or s3 (see `ccscan ship`).")
@ship_options
@azure_cli.options
@aws_cli.options
@click.pass_context
def scan(ctx: click.Context, inventory: tuple[Path, ...], policy_paths: tuple[Path, ...],
         framework: str | None, formats: tuple[str, ...], outputs: tuple[Path, ...],
         output_dir: Path | None, fail_on: str, fail_on_unknown: bool, input_format: str,
         scan_id: str | None, waivers_file: Path | None, allow_broad_waivers: bool,
         baseline_file: Path | None, fail_on_new: bool, bundle_out: Path | None,
         sign_key: Path | None, passphrase_env: str | None, ledger_dir: Path | None,
         cadence: str | None, on_duplicate: str, explain_id: str | None, sarif_all: bool,
         ship_targets: tuple[str, ...], show_uncovered: bool, allow_empty: bool,
         checks: tuple[str, ...], skips: tuple[str, ...], severity_levels: tuple[str, ...],
         workers: str, dask_address: str | None, **live: Any) -> None:
    """
    Evaluate policies against inventory files and/or live Azure and AWS estates.

    INVENTORY is any number of files or directories (read recursively: *.json, *.jsonl):
    ccscan snapshots, ARM lists, Resource Graph answers, az CLI output, AWS describe output
    or AWS Config items.

    \b
    Examples:
      ccscan scan fixtures/
      ccscan scan fixtures/ --format json -o result.json --fail-on high
      ccscan scan --azure --subscription 0000-... --framework soc2
    """
    from scanner.gates import Gates
    from scanner.output_pairs import pair
    from scanner.outputs import plan_outputs, write_outputs
    from scanner.parallel import parse_workers
    from scanner.scan import ScanOptions, load_policies, run_scan

    n_workers = parse_workers(workers)  # None: auto, which the scan resolves
    if dask_address is not None and n_workers is None:
        n_workers = 1  # a Dask scan evaluates on its cluster, not on this machine's cores
    if dask_address is not None:
        from scanner.distributed import parse_address, require

        dask_address = parse_address(dask_address)
        require()
        if n_workers is not None and n_workers > 1:
            raise click.UsageError("--dask and --workers N are two engines: give one of them")
    plan = plan_outputs(pair(ctx.meta.get(ORDER_KEY, [])), output_dir, ctx.obj["quiet"])
    shipping = _ship_plan(ship_targets, live)
    catalog = load_policies(list(policy_paths) or None, framework)
    if checks or skips or severity_levels:
        from scanner.policy.select import select_policies

        catalog = select_policies(catalog, checks, skips, severity_levels)
    bundle = None
    if bundle_out is not None:
        from scanner.evidence.options import bundle_writer

        bundle = bundle_writer(bundle_out, sign_key, passphrase_env, catalog, ledger_dir, cadence)
    elif sign_key is not None:
        raise click.UsageError("--sign-key needs --bundle")
    elif ledger_dir is not None:
        raise click.UsageError("--ledger needs --bundle and --sign-key")
    gates = Gates.load(waivers_file, allow_broad_waivers, baseline_file, fail_on_new)
    collectors = _collectors(live, catalog.resource_types(), ctx.obj["quiet"])
    if not inventory and not collectors:
        raise click.UsageError("give INVENTORY files/directories, --azure or --aws")

    def scan_into(pairs: list) -> Any:
        for reporter, _ in pairs:
            if hasattr(reporter, "include_passes"):
                reporter.include_passes = sarif_all
        from scanner.progress import input_progress

        options = ScanOptions(inputs=inventory, input_format=input_format, collectors=collectors,
                              scan_id=scan_id, on_duplicate=on_duplicate,
                              allow_empty=allow_empty, list_not_judged=show_uncovered,
                              wrap_input=input_progress(not ctx.obj["quiet"]),
                              workers=n_workers, dask=dask_address)
        gates.attach(options)
        if explain_id:
            from scanner.policy.explain import explain_observer

            options.resource_observers.append(
                explain_observer(catalog.policies, explain_id, lambda text: click.echo(text, err=True)))
        if bundle is not None:
            from scanner.evidence.options import attach

            attach(bundle, options, pairs)
        return run_scan(options, catalog, pairs)

    if shipping is not None:  # a private temp JSON result, removed whatever happens next
        plan, ship_file = shipping.add_output(plan)
    try:
        result = write_outputs(plan, ctx.obj["color"], scan_into)
    except BaseException:
        if bundle is not None:
            bundle.close()
        if shipping is not None:
            shipping.discard()
        raise
    code = gates.exit_code(result, fail_on, fail_on_unknown)
    if fail_on_new and code == 1 and gates.baseline is not None:
        new = sum(c["fail"] for c in gates.baseline.new_by_severity.values())
        logger.warning("%d new failing findings (--fail-on-new; baseline %s)", new, baseline_file)
    if shipping is not None:
        code = shipping.ship_after_scan(ship_file, code)
    for line in gates.warnings():
        logger.warning(line)
    for inp in result.inputs:
        if inp.get("duplicates_skipped"):
            logger.warning("%s: skipped %d resource(s) whose id was already read (--on-duplicate first)",
                           inp["source"], inp["duplicates_skipped"])
    s = result.summary
    logger.info("%d pass, %d fail, %d unknown, %d error, %d waived; exit %d",
                s["pass"], s["fail"], s["unknown"], s["error"], s["waived"], code)
    ctx.exit(code)


def _ship_plan(targets: tuple[str, ...], params: dict[str, Any]) -> Any:
    from scanner.ship.options import OPTION_NAMES

    ship_params = {k: params.pop(k) for k in OPTION_NAMES if k in params}
    if not targets:
        return None
    from scanner.ship.scan import ScanShipping

    return ScanShipping.build(targets, ship_params)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "targets", multiple=True, required=True, metavar="SINK",
              help="sentinel, splunk or s3 (repeatable).")
@ship_options
def ship(files: tuple[Path, ...], targets: tuple[str, ...], **params: Any) -> None:
    """
    Ship the findings of finished scans (FILE: `scan --format json` or `--format ocsf`) to a SIEM.

    Batched under each service's size limit, retried with backoff on 429/5xx, at-least-once
    (the stable finding id de-duplicates). Exit 0 delivered, 2 configuration or input error,
    3 delivery incomplete (says how many were delivered).

    \b
    Examples:
      CCSCAN_SPLUNK_TOKEN=... ccscan ship result.json --to splunk --splunk-url https://splunk:8088
      ccscan ship result.json --to s3 --s3-bucket my-security-lake
      ccscan ship result.json --to sentinel --sentinel-endpoint https://dce.ingest.monitor.azure.com \\
          --sentinel-rule-id dcr-0123 --sentinel-stream Custom-CcscanFindings
    """
    from scanner.ship.options import build, ship_files

    plan = build(targets, params)
    for report in ship_files(list(files), plan):
        logger.warning("shipped %d findings to %s in %d batches (%d retries, %d bytes)",
                       report.delivered, report.sink, report.batches, report.retries, report.bytes)


def _collectors(params: dict[str, Any], types: set[str] | None, quiet: bool) -> list[Any]:
    progress = sys.stderr.isatty() and not quiet
    # Each collector is asked only for its own cloud's types (CloudFormation names start `aws::`).
    aws_types = None if types is None else {t for t in types if t.startswith("aws::")}
    azure_types = None if types is None else types - (aws_types or set())
    found = [azure_cli.collector_from(params, azure_types, progress),
             aws_cli.collector_from(params, aws_types, progress)]
    return [c for c in found if c is not None]


@main.command()
@click.option("--output", "-o", type=PathArg, required=True, metavar="FILE|DIR",
              help="Snapshot file to write (JSONL: a header line, then one resource per line); "
              "with --shard-by, the directory of shard snapshots.")
@click.option("--shard-by", type=click.Choice(["subscription", "account"]), default=None,
              help="One snapshot per Azure subscription / AWS account in -o DIR "
              "(azure-<id>.jsonl, aws-<id>.jsonl) and a manifest, ccscan-shards.jsonl, "
              "that `ccscan scan DIR` checks.")
@_policy_option
@click.option("--all-types", is_flag=True, help="Collect every supported type, not only those the policies need.")
@azure_cli.options
@aws_cli.options
@click.pass_context
def collect(ctx: click.Context, output: Path, shard_by: str | None, policy_paths: tuple[Path, ...],
            all_types: bool, **live: Any) -> None:
    """
    Save a live estate as a snapshot that `ccscan scan FILE` evaluates exactly as a live scan.

    \b
    Example:
      ccscan collect --azure -o estate.jsonl && ccscan scan estate.jsonl
      ccscan collect --azure --aws --shard-by subscription -o shards/ && ccscan scan shards/
    """
    from scanner.collect.shards import check_directory, write_shards
    from scanner.collect.snapshot import write_snapshot
    from scanner.scan import load_policies

    if shard_by:
        check_directory(output)  # exit 2 before any request
    types = None if all_types else load_policies(list(policy_paths) or None).resource_types()
    collectors = _collectors(live, types, ctx.obj["quiet"])
    if not collectors:
        raise click.UsageError("give --azure and/or --aws")
    if shard_by:
        report = write_shards(collectors, output)
        count, incomplete = report.count, report.incomplete
        for stale in report.stale:
            logger.warning("%s was not written by this collection: `ccscan scan %s` will refuse "
                           "it; remove it", stale, output)
        where = f"{len(report.files)} shards in {output}"
    else:
        count, incomplete = write_snapshot(collectors, output)
        where = str(output)
    if not ctx.obj["quiet"]:
        click.echo(f"ccscan: wrote {count} resources to {escape(where)}", err=True)
    for inc in incomplete:
        click.echo(f"ccscan: incomplete: {escape(inc['scope'])}: {escape(inc['reason'])}", err=True)
    ctx.exit(3 if incomplete else 0)


@main.command()
@click.argument("paths", nargs=-1, type=PathArg)
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. a policy without tests) as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="Message format (sarif: for GitHub code scanning).")
@click.option("--waivers", "waiver_files", multiple=True, type=PathArg, metavar="FILE",
              help="Also check this waivers file (repeatable).")
@click.option("--allow-broad-waivers", is_flag=True,
              help="Accept a waiver that matches every policy and every resource.")
@click.option("--whole-catalog", is_flag=True,
              help="Lint the whole catalog each file belongs to (its `policies/` folder): "
              "what the pre-commit hook runs, so cross-file checks hold at commit time.")
@click.pass_context
def lint(ctx: click.Context, paths: tuple[Path, ...], strict: bool, fmt: str,
         waiver_files: tuple[Path, ...], allow_broad_waivers: bool, whole_catalog: bool) -> None:
    """
    Check policy and framework files: schema, operators, paths, regexes, duplicate ids,
    framework controls, and resource types and property paths against ccscan's type index
    (a misspelt type or path is an error with a did-you-mean). Prints
    `file:line:col: severity: message [rule]`; exits 2 on any error (with --strict, on any
    warning). PATHS default to ./policies, else the built-in packs.
    """
    from scanner.policy.lint import lint as run_lint
    from scanner.policy.lint import lint_exit_code

    catalog, messages = run_lint(_policy_paths(paths), whole_catalog)
    if waiver_files:
        from scanner.policy.waiverlint import lint_waiver_files

        messages = [*messages, *lint_waiver_files(waiver_files, catalog, allow_broad_waivers)]
    if fmt == "sarif":
        import io

        from scanner.report.sarif import render_lint

        buf = io.StringIO()
        render_lint(messages, buf, __version__)
        click.echo(buf.getvalue(), nl=False)
    elif fmt == "json":
        import json
        from dataclasses import asdict

        click.echo(json.dumps([asdict(m) for m in messages], indent=1))
    else:
        for m in messages:
            click.echo(escape(m.render()))
    errors = sum(m.severity == "error" for m in messages)
    if not ctx.obj["quiet"]:
        from scanner.policy.display import plural

        click.echo(f"ccscan lint: {plural(len(catalog.policies), 'policy', 'policies')} in "
                   f"{plural(len(catalog.files), 'file')}, {plural(errors, 'error')}, "
                   f"{plural(len(messages) - errors, 'warning')}", err=True)
    ctx.exit(lint_exit_code(messages, strict))


def _policy_paths(paths: tuple[Path, ...]) -> list[Path]:
    from scanner.resources import builtin_policies

    if paths:
        return [builtin_policies() if str(p) == "builtin" else p for p in paths]
    return [Path("policies") if Path("policies").is_dir() else builtin_policies()]


@main.command()
@click.argument("old", type=PathArg)
@click.argument("new", type=PathArg)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--fail-on-new", is_flag=True, help="Exit 1 when NEW has failing findings OLD did not.")
@click.pass_context
def diff(ctx: click.Context, old: Path, new: Path, fmt: str, fail_on_new: bool) -> None:
    """
    Compare two scan results (`ccscan scan --format json`) by finding id: new (+),
    resolved (-) and changed (~) findings.
    """
    from scanner.baseline import diff as diff_results
    from scanner.baseline import load_scan_result, render_diff

    d = diff_results(load_scan_result(old), load_scan_result(new))
    if fmt == "json":
        import json

        click.echo(json.dumps(d.to_dict(), indent=1))
    else:
        click.echo(escape(render_diff(d), keep_newlines=True), nl=False)
    ctx.exit(1 if fail_on_new and d.new else 0)


@main.command(name="test")
@click.argument("paths", nargs=-1, type=PathArg)
@click.option("--verbose-cases", "-a", is_flag=True, help="List every case, not only mismatches.")
@click.option("--explain", is_flag=True,
              help="Print every case's evaluation trace (a failing case always prints its own).")
@click.option("--whole-catalog", is_flag=True,
              help="Load the whole catalog each file belongs to (see `lint --whole-catalog`).")
@click.pass_context
def test_cmd(ctx: click.Context, paths: tuple[Path, ...], verbose_cases: bool, explain: bool,
             whole_catalog: bool) -> None:
    """
    Run the test cases embedded in policies (`tests:`); exit 1 on any mismatch.

    Each case gives a resource and the outcome expected: pass, fail, unknown or
    not_applicable. PATHS default to ./policies, else the built-in packs.
    """
    from scanner.policy.catalog import load_catalog
    from scanner.policy.lint import catalog_roots
    from scanner.policy.selftest import explain_case, run_tests, summary_lines

    chosen = _policy_paths(paths)
    catalog = load_catalog(catalog_roots(chosen) if whole_catalog else chosen, type_check=True)
    catalog.raise_on_errors()
    for m in sorted(set(catalog.messages), key=lambda m: (m.path, m.line or 0, m.message)):
        click.echo(m.render(), err=True)
    passed = failed = 0
    for res in run_tests(catalog):
        if res.ok:
            passed += 1
            if verbose_cases or explain:
                click.echo(escape(f"ok   {res.policy.id} {res.case.name!r} ({res.got})"))
        else:
            failed += 1
            click.echo(escape(f"FAIL {res.describe()}", keep_newlines=True))
        if explain or not res.ok:
            click.echo("\n".join("     " + line for line in explain_case(res.policy, res.case)))
    for line in summary_lines(catalog, passed, failed):
        click.echo(line)
    ctx.exit(1 if failed else 0)


@main.command()
@click.option("--out", "prefix", required=True, type=PathArg, metavar="PREFIX",
              help="Write PREFIX.key (private, mode 0600) and PREFIX.pub.")
@click.option("--passphrase-env", metavar="VAR", help="Encrypt the private key with the passphrase in this environment variable.")
@click.option("--passphrase-prompt", is_flag=True, help="Encrypt the private key with a passphrase typed at a prompt.")
def keygen(prefix: Path, passphrase_env: str | None, passphrase_prompt: bool) -> None:
    """
    Create an Ed25519 key pair for signing evidence bundles; never overwrites a file.

    \b
    Example:
      ccscan keygen --out ci-evidence && ccscan scan fixtures/ --bundle e.tar.gz --sign-key ci-evidence.key
    """
    from scanner.evidence.keys import key_id, load_public_key
    from scanner.evidence.keys import keygen as make_keys
    from scanner.evidence.options import keygen_passphrase

    def ask() -> str:
        return str(click.prompt("Passphrase", hide_input=True, confirmation_prompt=True, err=True))

    key_path, pub_path = make_keys(prefix, keygen_passphrase(passphrase_env, passphrase_prompt, ask))
    click.echo(f"ccscan: wrote {key_path} (keep it secret) and {pub_path}", err=True)
    click.echo(f"key id: {key_id(load_public_key(pub_path))}")


_public_key_option = click.option(
    "--key", "key_path", required=True, type=PathArg, metavar="PUB",
    help="The signer's public key (PREFIX.pub from `ccscan keygen`).")
"""`bundle verify` and `ledger verify` take the signer's public key the same way."""


@main.group()
def bundle() -> None:
    """Verify and inspect evidence bundles (`scan --bundle`)."""


@bundle.command(name="verify")
@click.argument("bundle_path", metavar="BUNDLE", type=PathArg)
@_public_key_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--max-member-mb", type=click.IntRange(1), default=512, show_default=True,
              help="Reject a member larger than this (decompressed).")
@click.option("--max-total-mb", type=click.IntRange(1), default=2048, show_default=True,
              help="Reject a bundle larger than this decompressed (gzip bombs).")
@click.pass_context
def bundle_verify(ctx: click.Context, bundle_path: Path, key_path: Path, as_json: bool,
                  max_member_mb: int, max_total_mb: int) -> None:
    """
    Check a bundle offline: safe archive, signature and key id, every member's sha256 and
    size, no missing or extra members. Exit 0 verified, 1 verification failed, 2 unreadable.
    """
    import json

    from scanner.evidence import Limits, VerificationError, load_public_key, verify_bundle

    public = load_public_key(key_path)
    limits = Limits(member_bytes=max_member_mb << 20, total_bytes=max_total_mb << 20)
    try:
        verified = verify_bundle(bundle_path, public, limits)
    except VerificationError as e:
        if as_json:
            click.echo(json.dumps({"verified": False, "bundle": str(bundle_path), "reason": e.message}))
        click.echo(f"ccscan: FAILED: {escape(bundle_path)}: {escape(e.message)}", err=True)
        ctx.exit(1)
    click.echo(json.dumps(verified.to_dict(), indent=1) if as_json
               else escape(verified.render(), keep_newlines=True))


@bundle.command(name="show")
@click.argument("bundle_path", metavar="BUNDLE", type=PathArg)
def bundle_show(bundle_path: Path) -> None:
    """Print a bundle's summary.md WITHOUT verifying it (use `bundle verify` for that)."""
    from scanner.evidence import read_summary

    warning = ("ccscan: warning: NOT VERIFIED: showing the summary as found; "
               "run `ccscan bundle verify` before relying on it")
    summary = escape(read_summary(bundle_path), keep_newlines=True)
    click.echo(warning, err=True)
    click.echo(summary if summary.endswith("\n") or not summary else summary + "\n", nl=False)
    # again after the content: an unverified summary may be long enough to scroll it away
    click.echo(warning, err=True)


@main.group()
def ledger() -> None:
    """Verify a ledger of chained bundles and report over an audit period (SOC 2 Type II)."""


@ledger.command(name="verify")
@click.argument("directory", metavar="DIR", type=PathArg)
@_public_key_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def ledger_verify(ctx: click.Context, directory: Path, key_path: Path, as_json: bool) -> None:
    """
    Verify every bundle of a ledger and the chain between them: a removed, inserted,
    re-ordered, modified or re-signed bundle is named. Exit 0 verified, 1 not, 2 unreadable.
    """
    import json

    from scanner.evidence import load_public_key
    from scanner.ledger import verify_ledger

    check = verify_ledger(directory, load_public_key(key_path))
    click.echo(json.dumps(check.to_dict(), indent=1) if as_json else check.render(),
               err=not check.ok and not as_json)
    ctx.exit(0 if check.ok else 1)


@ledger.command(name="report")
@click.argument("directory", metavar="DIR", type=PathArg)
@click.option("--key", "key_path", required=True, type=PathArg, metavar="PUB",
              help="The signer's public key: the report reads verified bundles only.")
@click.option("--from", "start", required=True, metavar="DATE", help="Start of the period (YYYY-MM-DD or ISO time, UTC).")
@click.option("--to", "end", required=True, metavar="DATE", help="End of the period (a date includes its whole day).")
@click.option("--framework", metavar="ID", help="Only this framework's controls (e.g. soc2).")
@click.option("--format", "fmt", type=click.Choice(["json", "html", "oscal"]), default="json",
              show_default=True, help="Report format (oscal: OSCAL assessment-results JSON).")
@click.option("--output", "-o", type=PathArg, metavar="FILE", help="Write here instead of stdout.")
@click.pass_context
def ledger_report(ctx: click.Context, directory: Path, key_path: Path, start: str, end: str,
                  framework: str | None, fmt: str, output: Path | None) -> None:
    """
    Report a period from a verified ledger: per control, the scans, whether it held in
    every one, each exception with its duration, cadence gaps and population changes.
    """
    from scanner.evidence import load_public_key
    from scanner.ledger.period import write_period_report

    code = write_period_report(directory, load_public_key(key_path), start, end, framework,
                               fmt, output)
    ctx.exit(code)


@main.group()
def policies() -> None:
    """List and show policies."""


@policies.command(name="list")
@_policy_option
@click.option("--framework", metavar="ID", help="Only policies mapped to this framework.")
def policies_list(policy_paths: tuple[Path, ...], framework: str | None) -> None:
    """List policies: id, severity, resource types, title."""
    from scanner.scan import load_policies

    for p in load_policies(list(policy_paths) or None, framework).policies:
        click.echo(escape(f"{p.id:<22}{p.severity:<9}{','.join(p.type_names):<46} {p.title}"))


@policies.command(name="show")
@click.argument("policy_id", shell_complete=complete_policy_ids)
@_policy_option
def policies_show(policy_id: str, policy_paths: tuple[Path, ...]) -> None:
    """Show one policy: what it checks, why, how to fix, its framework controls."""
    from scanner.errors import UsageError
    from scanner.scan import load_policies

    catalog = load_policies(list(policy_paths) or None)
    match = [p for p in catalog.policies if p.id.lower() == policy_id.lower()]
    if not match:
        raise UsageError(f"no policy {policy_id!r} (see `ccscan policies list`)")
    p = match[0]
    say = click.echo
    say(f"{escape(p.id)}: {escape(p.title)}\nseverity: {escape(p.severity)}")
    say(f"resource: {escape(', '.join(p.type_names))}")
    say(f"file: {escape(p.file)}:{p.line}\nchecks: {escape(p.expectation)}")
    if p.requires:
        say(f"requires: {escape(', '.join(t for t, _ in p.requires))}")
    for fw, controls in p.frameworks.items():
        say(f"{escape(fw)}: {escape(', '.join(controls))}")
    if p.description:
        say(f"\n{escape(p.description.strip(), keep_newlines=True)}")
    if p.remediation:
        say(f"\nremediation: {escape(p.remediation.strip(), keep_newlines=True)}")
    for ref in p.references:
        say(f"see: {escape(ref)}")
    say(f"tests: {len(p.tests)}")


@main.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """
    Print the shell completion script (commands, options, formats, policy ids).

    \b
    Examples:
      eval "$(ccscan completion bash)"            # in ~/.bashrc
      eval "$(ccscan completion zsh)"             # in ~/.zshrc
      ccscan completion fish > ~/.config/fish/completions/ccscan.fish
    """
    from scanner.completion import script

    click.echo(script(main, shell))


if __name__ == "__main__":  # pragma: no cover
    main()
