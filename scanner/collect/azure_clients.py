"""
Management SDK clients for one collection run, all sharing one configuration.

Every client gets the same transport settings (ARM endpoint, CA bundle, timeouts), azure-core's
RetryPolicy configured for throttling and transient errors, and one cached credential. The
pipeline is the SDKs' default minus ARMAutoResourceProviderRegistrationPolicy: on a 409
`MissingSubscriptionRegistration` that policy POSTs `.../providers/X/register`, a write that a
read-only scanner must never attempt; an unregistered provider is reported instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scanner import __version__


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """
    Transport and retry settings shared by every client of a run.
    """

    arm_endpoint: str
    """ARM base URL, no trailing slash."""
    connection_verify: str | None = None
    """CA bundle path (REQUESTS_CA_BUNDLE / SSL_CERT_FILE); None: the system default."""
    read_timeout: float = 60.0
    connection_timeout: float = 10.0
    retry_total: int = 6
    """Retries per request after the first attempt (429, 408, 5xx, timeouts, resets)."""
    retry_backoff_factor: float = 0.8
    retry_backoff_max: float = 60.0

    @property
    def scope(self) -> str:
        """The OAuth scope of the ARM endpoint."""
        return f"{self.arm_endpoint}/.default"

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments understood by every azure-mgmt client and its transport."""
        kwargs: dict[str, Any] = {
            "base_url": self.arm_endpoint,
            "credential_scopes": [self.scope],
            "read_timeout": self.read_timeout,
            "connection_timeout": self.connection_timeout,
            "retry_total": self.retry_total,
            "retry_backoff_factor": self.retry_backoff_factor,
            "retry_backoff_max": self.retry_backoff_max,
            "user_agent": f"ccscan/{__version__}",
        }
        if self.connection_verify:
            kwargs["connection_verify"] = self.connection_verify
        return kwargs


def pipeline_policies(credential: Any, settings: HttpSettings) -> list[Any]:
    """
    Return the ARM pipeline without provider auto-registration, retry configured by kwargs.
    """
    from azure.core.pipeline import policies as p
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy

    kw = settings.client_kwargs()
    return [
        p.RequestIdPolicy(**kw),
        p.HeadersPolicy(**kw),
        p.UserAgentPolicy(**kw),
        p.ProxyPolicy(**kw),
        p.ContentDecodePolicy(**kw),
        # Before the retries (a refusal is final) and the redirects (which azure-core checks:
        # SensitiveHeaderCleanupPolicy drops the token on a redirect to another host).
        _same_origin(settings.arm_endpoint),
        p.RedirectPolicy(**kw),
        # Honours Retry-After on 429/503; backs off exponentially otherwise.
        p.RetryPolicy(**kw),
        ARMChallengeAuthenticationPolicy(credential, settings.scope),
        p.CustomHookPolicy(**kw),
        p.NetworkTraceLoggingPolicy(**kw),
        p.DistributedTracingPolicy(**kw),
        p.SensitiveHeaderCleanupPolicy(**kw),
        # Redacts the Authorization header if a user turns on azure logging.
        ARMHttpLoggingPolicy(**kw),
    ]


def _same_origin(arm_endpoint: str) -> Any:
    """
    A policy that refuses any request not bound for the ARM endpoint. The SDKs' pagers and
    `raw_pages` follow each page's `nextLink` as ARM sent it, and the next policy would put
    the bearer token on a request to wherever that link points.
    """
    from azure.core.exceptions import AzureError
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    allowed = _origin(arm_endpoint)

    class ForeignLinkError(AzureError):
        """An AzureError, so that a refused page makes its scope incomplete like any other."""

    class SameOrigin(SansIOHTTPPolicy):  # type: ignore[type-arg]
        def on_request(self, request: Any) -> None:
            url = request.http_request.url
            if _origin(url) != allowed:
                scheme, host, port = _origin(url)
                raise ForeignLinkError(f"ARM sent a link to another host ({scheme}://{host}:{port}), "
                                 f"not followed: the ARM token goes only to {arm_endpoint}")

    return SameOrigin()


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a URL (443 when https leaves it out): where the token goes."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: never the host we asked
        return parts.scheme.lower(), parts.netloc.lower(), -1
    if port is None and parts.scheme.lower() == "https":
        port = 443
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _compute(cred: Any, sub: str, **kw: Any) -> Any:
    from azure.mgmt.compute import ComputeManagementClient

    return ComputeManagementClient(cred, sub, **kw)


def _storage(cred: Any, sub: str, **kw: Any) -> Any:
    from azure.mgmt.storage import StorageManagementClient

    return StorageManagementClient(cred, sub, **kw)


def _web(cred: Any, sub: str, **kw: Any) -> Any:
    from azure.mgmt.web import WebSiteManagementClient

    return WebSiteManagementClient(cred, sub, **kw)


def _keyvault(cred: Any, sub: str, **kw: Any) -> Any:
    from azure.mgmt.keyvault import KeyVaultManagementClient

    return KeyVaultManagementClient(cred, sub, **kw)


def _resources(cred: Any, sub: str, **kw: Any) -> Any:
    from azure.mgmt.resource.resources import ResourceManagementClient

    return ResourceManagementClient(cred, sub, **kw)


def _subscriptions(cred: Any, sub: str, **kw: Any) -> Any:
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    return SubscriptionClient(cred, **kw)


SDKS: dict[str, Callable[..., Any]] = {
    "compute": _compute,
    "storage": _storage,
    "web": _web,
    "keyvault": _keyvault,
    "resources": _resources,
    "subscriptions": _subscriptions,
}
"""Client constructors by short name; each imports its SDK on first use."""


class ClientFactory:
    """
    Build each (SDK, subscription) client once and hand it to every task that needs it.
    """

    def __init__(self, credential: Any, settings: HttpSettings) -> None:
        self.credential = credential
        self.settings = settings
        self._clients: dict[tuple[str, str, str | None], Any] = {}
        self._lock = threading.Lock()

    def get(self, sdk: str, subscription: str = "", api_version: str | None = None) -> Any:
        """
        Return the client of `sdk` ("compute", "web", ...) for a subscription, pinned to
        `api_version` when given (SDKs whose operations all share the client's version).
        """
        key = (sdk, subscription, api_version)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                kw = self.settings.client_kwargs()
                kw["policies"] = pipeline_policies(self.credential, self.settings)
                if api_version:
                    kw["api_version"] = api_version
                client = SDKS[sdk](self.credential, subscription, **kw)
                self._clients[key] = client
            return client

    def close(self) -> None:
        """Close every client (their HTTP sessions)."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


def rest_dict(model: Any) -> dict[str, Any]:
    """
    Return an SDK model as the REST JSON it was read from (camelCase, `properties`-wrapped).

    The current SDKs' models (azure-mgmt-compute 39, -web 11, -storage 25, -keyvault 14,
    -resource 26) are mappings over the received JSON: `as_dict()` returns it unchanged,
    unknown properties included. Older msrest models (azure-mgmt-cognitiveservices 14) give
    snake_case attribute names from `as_dict()` and drop unknown properties; `serialize(
    keep_readonly=True)` restores the REST names, which is why such types are read with
    `raw_pages` instead.
    """
    if isinstance(model, dict):
        return model
    if hasattr(model, "keys") and hasattr(model, "as_dict"):
        return model.as_dict()
    return model.serialize(keep_readonly=True)


def raw_pages(client: Any, path: str, api_version: str) -> Iterator[list[dict[str, Any]]]:
    """
    Yield the `value` of each page of an ARM list, following `nextLink`, as received.

    Requests go through the client's pipeline (auth, retries, timeouts), as the SDK's own list
    calls do; only the model deserialisation is skipped (the hot types' models wrap the same
    JSON). Raises HttpResponseError (ARM error format), or ValueError for a 200 answer that is
    not an ARM list page (a page that cannot be read must never read as an empty one).
    """
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    request: HttpRequest | None = HttpRequest("GET", path, params={"api-version": api_version})
    while request is not None:
        response = client.send_request(request)
        if response.status_code != 200:
            error = ClientAuthenticationError if response.status_code == 401 else HttpResponseError
            raise error(response=response, error_format=ARMErrorFormat)
        body = response.json()
        items = body.get("value") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError(f"ARM answered {path} with something that is not a list page "
                             "(no `value` array of objects)")
        yield items
        next_link = body.get("nextLink")
        if next_link is not None and not isinstance(next_link, str):
            raise ValueError(f"ARM answered {path} with a `nextLink` that is not a URL")
        request = HttpRequest("GET", next_link) if next_link else None

