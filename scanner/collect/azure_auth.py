"""
Azure clouds, credentials and the one-line error a failed sign-in becomes.

azure-identity is imported inside the functions: this module is imported by the collector,
which the CLI loads only for `--azure`.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from scanner.errors import CcscanError, UsageError


@dataclass(frozen=True, slots=True)
class Cloud:
    """
    The endpoints of one Azure cloud.
    """

    name: str
    """As `az cloud list` spells it."""
    arm_endpoint: str
    """Azure Resource Manager, without a trailing slash."""
    authority: str
    """Entra ID authority host (azure.identity.AzureAuthorityHosts)."""


CLOUDS: dict[str, Cloud] = {
    "azurecloud": Cloud("AzureCloud", "https://management.azure.com", "login.microsoftonline.com"),
    "azureusgovernment": Cloud(
        "AzureUSGovernment", "https://management.usgovcloudapi.net", "login.microsoftonline.us"
    ),
    "azurechinacloud": Cloud(
        "AzureChinaCloud", "https://management.chinacloudapi.cn", "login.chinacloudapi.cn"
    ),
}
"""Keyed by lower-cased `az cloud list` name; the values equal AzureAuthorityHosts'."""

_ADVICE = (
    "run `az login` (or, for a service principal, set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
    "AZURE_CLIENT_SECRET)"
)
_ONE_FIX = {
    # When the chain is one credential, the one thing to do is that credential's.
    "AzureCliCredential": "run `az login`",
    "EnvironmentCredential": "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
    "WorkloadIdentityCredential": "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE",
    "ManagedIdentityCredential": "run on an Azure host with a managed identity assigned",
    "AzurePowerShellCredential": "run `Connect-AzAccount` in PowerShell",
    "AzureDeveloperCliCredential": "run `azd auth login`",
}


class AzureAuthError(CcscanError):
    """
    No credential in the chain produced a token: nothing can be collected (exit 2).
    """


def cloud(name: str) -> Cloud:
    """
    Return the endpoints of a cloud by its `az cloud list` name (case-insensitive); raise
    UsageError for another name.
    """
    try:
        return CLOUDS[name.lower()]
    except KeyError:
        raise UsageError(
            f"unknown Azure cloud {name!r} (known: AzureCloud, AzureUSGovernment, AzureChinaCloud)"
        ) from None


def default_credential(authority: str | None, connection_verify: str | None) -> Any:
    """
    Build azure-identity's DefaultAzureCredential for a cloud.

    `authority` None leaves the choice to azure-identity, which reads AZURE_AUTHORITY_HOST.
    Raises AzureAuthError when the environment names no valid credential
    (AZURE_TOKEN_CREDENTIALS with an unknown value).
    """
    from azure.identity import DefaultAzureCredential

    kwargs: dict[str, Any] = {}
    if authority:
        kwargs["authority"] = authority
    if connection_verify:
        # requests reads REQUESTS_CA_BUNDLE itself but not SSL_CERT_FILE; pass it explicitly.
        kwargs["connection_verify"] = connection_verify
    try:
        return DefaultAzureCredential(**kwargs)
    except ValueError as e:
        raise AzureAuthError(f"Azure credential configuration: {e}") from None


class CachedCredential:
    """
    A TokenCredential that asks the wrapped one once per scope and reuses the token until
    five minutes before it expires.

    Every management client has its own authentication policy; without this, each would
    fetch its own token, and AzureCliCredential spawns `az` (about a second) for each.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, ...], Any] = {}

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """Return a cached AccessToken, or a fresh one from the wrapped credential."""
        if kwargs.get("claims"):  # a CAE challenge needs a fresh token; do not cache it
            return self._inner.get_token(*scopes, **kwargs)
        with self._lock:
            token = self._tokens.get(scopes)
            if token is None or token.expires_on - 300 < time.time():
                token = self._inner.get_token(*scopes, **kwargs)
                self._tokens[scopes] = token
            return token

    def close(self) -> None:
        """Close the wrapped credential, if it can be closed."""
        close = getattr(self._inner, "close", None)
        if close:
            close()


def check_credential(credential: Any, scope: str) -> None:
    """
    Get one token for `scope`, so that a missing sign-in stops the scan before any request.

    Raises AzureAuthError with one line naming the credentials tried and what to set; the
    token itself is never part of a message.
    """
    import logging

    from azure.core.exceptions import ClientAuthenticationError

    # azure-identity logs its own multi-line account of the chain to the root logger's
    # last-resort handler (stderr); our one line below says the same, so it stays unshown.
    quiet = logging.getLogger("azure.identity")
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    try:
        credential.get_token(scope)
    except ClientAuthenticationError as e:  # CredentialUnavailableError is a subclass
        raise AzureAuthError(auth_failure_message(credential, e)) from None
    except ValueError as e:  # e.g. an invalid scope built from --arm-endpoint
        raise AzureAuthError(f"Azure sign-in for scope {scope}: {e}") from None


_ATTEMPT = re.compile(r"^\s+(\w+Credential): (.*)$", re.MULTILINE)


def auth_failure_message(credential: Any, error: Exception) -> str:
    """
    Return the one line shown when no credential produced a token.
    """
    inner = getattr(credential, "_inner", credential)
    chain = [type(c).__name__ for c in getattr(inner, "credentials", ())] or [type(inner).__name__]
    attempts = {name: _short(reason) for name, reason in _ATTEMPT.findall(str(error))}
    tried = ", ".join(f"{n} ({attempts[n]})" if n in attempts else n for n in chain)
    hint = ""
    if os.environ.get("AZURE_TOKEN_CREDENTIALS"):
        hint = f" (AZURE_TOKEN_CREDENTIALS={os.environ['AZURE_TOKEN_CREDENTIALS']})"
    fix = _ONE_FIX.get(chain[0], _ADVICE) if len(chain) == 1 else _ADVICE
    return f"Azure sign-in failed; credentials tried{hint}: {tried}. To fix: {fix}"


def _short(reason: str) -> str:
    reason = " ".join(reason.split())
    # A reason may quote a tool's output; keep it short and never echo anything token-like.
    reason = re.sub(r"eyJ[\w.-]+", "[token]", reason)
    return reason if len(reason) <= 100 else reason[:97] + "..."
