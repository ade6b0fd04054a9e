"""
What the CLI needs for bundles, kept out of `scanner/cli.py`: passphrases (never from
argv), and a BundleWriter wired into a scan's options and reporters.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from scanner.atomic import replaceable
from scanner.errors import OutputError, UsageError
from scanner.evidence.build import BundleWriter
from scanner.evidence.keys import load_private_key
from scanner.settings import KEY_PASSPHRASE, secret

PASSPHRASE_ENV = KEY_PASSPHRASE


def passphrase_from_env(var: str | None, default_var: str | None = None) -> bytes | None:
    """
    Return the passphrase held in environment variable `var` (UsageError if unset), else in
    `default_var` if that is set, else None.
    """
    if var:
        value = secret(var)
        if not value:
            raise UsageError(f"--passphrase-env: environment variable {var} is not set or empty")
        return value
    return secret(default_var) if default_var else None


def keygen_passphrase(
    env_var: str | None, prompt: bool, ask: Callable[[], str]
) -> bytes | None:
    """
    Return the passphrase for a new key: from `env_var`, from `ask()` (a hidden prompt with
    confirmation) when `prompt`, or None for an unencrypted key.
    """
    if env_var and prompt:
        raise UsageError("give --passphrase-env or --passphrase-prompt, not both")
    if prompt:
        value = ask()
        if not value:
            raise UsageError("empty passphrase")
        return value.encode("utf-8")
    return passphrase_from_env(env_var)


def bundle_writer(
    out: Path, sign_key: Path | None, passphrase_env: str | None, catalog: Any,
    ledger_dir: Path | None = None, cadence: str | None = None,
) -> BundleWriter:
    """
    Check the bundle path and load the signing key before the scan starts (fail fast), and
    return the writer. `catalog` supplies the framework files; with `ledger_dir` the signed
    bundle is chained and appended there.
    """
    if not out.parent.is_dir():
        raise UsageError("--bundle: the directory does not exist", out.parent)
    if out.is_dir():
        raise UsageError("--bundle: is a directory", out)
    check_writable(out)
    key = None
    if sign_key is not None:
        key = load_private_key(sign_key, passphrase_from_env(passphrase_env, PASSPHRASE_ENV))
    elif passphrase_env:
        raise UsageError("--passphrase-env needs --sign-key")
    ledger = None
    if ledger_dir is not None:
        from scanner.ledger.append import LedgerAppender

        if key is None:
            raise UsageError("--ledger needs --sign-key (the chain link is part of the signature)")
        ledger = LedgerAppender(ledger_dir, cadence or "1d")
        ledger.check()
    elif cadence is not None:
        raise UsageError("--cadence needs --ledger")
    frameworks = {fid: fw.file for fid, fw in catalog.frameworks.items() if fw.file}
    writer = BundleWriter(out, sign_key=key, framework_files=frameworks, ledger=ledger)
    writer.check_names(p.file for p in catalog.policies)
    return writer


def check_writable(out: Path) -> None:
    """
    Fail before the scan if the bundle cannot be written: the bundle is renamed into place,
    so `out` must be new or a regular file (renaming over /dev/null would replace the
    device), and a temp file must be creatable beside it.

    Raises UsageError.
    """
    if not replaceable(out):
        raise UsageError("--bundle: not a regular file (a bundle is renamed into place)", out)
    try:
        with tempfile.NamedTemporaryFile(prefix=f".{out.name}.", suffix=".probe", dir=out.parent):
            pass
    except OSError as e:
        raise UsageError(f"--bundle: cannot write here: {e.strerror or e}", out) from None


class _Checked:
    """
    The bundle writer, with an OSError (disk full, quota, I/O) during the scan reported as an
    OutputError naming the bundle: not a bug, so not exit 4.
    """

    def __init__(self, writer: BundleWriter) -> None:
        self.writer = writer

    def _fail(self, e: OSError) -> OutputError:
        where = f"{e.filename}: " if e.filename else ""
        return OutputError(f"cannot write bundle {self.writer.out}: {where}{e.strerror or e}")

    def observe(self, resource: Any) -> None:
        try:
            self.writer.observe(resource)
        except OSError as e:
            raise self._fail(e) from None

    def start(self, out: IO[str], result: Any) -> None:
        try:
            self.writer.start(out, result)
        except OSError as e:
            raise self._fail(e) from None

    def add(self, finding: Any) -> None:
        try:
            self.writer.add(finding)
        except OSError as e:
            raise self._fail(e) from None

    def finish(self, result: Any) -> None:
        try:
            self.writer.finish(result)
        except OSError as e:
            raise self._fail(e) from None


def attach(writer: BundleWriter, options: Any, pairs: list[tuple[Any, IO[str]]]) -> None:
    """
    Make `writer` see every evaluated resource and every finding of the scan.
    """
    checked = _Checked(writer)
    options.resource_observers.append(checked.observe)
    pairs.append((checked, io.StringIO()))  # the bundle writes its own file, not a stream
