"""
Live Azure collection: every resource of the needed types, in the canonical ARM shape.

The work is a list of (subscription, resource type[, resource group]) tasks run on a bounded
thread pool; each task follows `nextLink` and, for App Service, reads each site's `config/web`
on a second bounded pool. Resources are yielded in task order (deterministic snapshots) while
later tasks run ahead, a few pages each. A task that fails becomes an IncompleteScope and
never takes resources of other tasks, or its own earlier pages, with it.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from scanner.collect.azure_auth import CachedCredential, check_credential, default_credential
from scanner.collect.azure_auth import cloud as cloud_endpoints
from scanner.collect.azure_clients import ClientFactory, HttpSettings
from scanner.collect.azure_errors import describe, is_not_found
from scanner.collect.azure_types import TypeSpec, list_subscriptions, select, site_config
from scanner.collect.base import IncompleteScope
from scanner.errors import UsageError
from scanner.inventory.formats import arm_resource
from scanner.inventory.resource import Resource
from scanner.progress import Progress

logger = logging.getLogger(__name__)

_AHEAD = 4
"""Pages a task may fetch before the consumer reaches it: bounds memory, keeps concurrency."""


@dataclass(frozen=True)
class AzureSettings:
    """
    What to collect and how to reach ARM.
    """

    cloud: str = "AzureCloud"
    http: HttpSettings = field(default_factory=lambda: HttpSettings("https://management.azure.com"))
    authority: str | None = None
    """Entra ID authority for DefaultAzureCredential; None: azure-identity's own choice."""
    subscriptions: tuple[str, ...] = ()
    """Empty: every subscription the identity can read."""
    resource_groups: tuple[str, ...] = ()
    workers: int = 8
    """Concurrent list tasks, and concurrent site config reads."""

    @classmethod
    def from_options(
        cls,
        cloud: str = "AzureCloud",
        arm_endpoint: str | None = None,
        subscriptions: tuple[str, ...] = (),
        resource_groups: tuple[str, ...] = (),
        workers: int = 8,
        timeout: float = 60.0,
        **http: Any,
    ) -> AzureSettings:
        """
        Resolve CLI options and the environment (AZURE_AUTHORITY_HOST, REQUESTS_CA_BUNDLE,
        SSL_CERT_FILE) into settings. Raises UsageError for a non-HTTPS ARM endpoint.
        """
        endpoints = cloud_endpoints(cloud)
        arm = (arm_endpoint or endpoints.arm_endpoint).rstrip("/")
        if not arm.lower().startswith("https://"):
            # azure-core refuses to send a bearer token over plain HTTP anyway.
            raise UsageError(f"--arm-endpoint must be an https:// URL, not {arm!r}")
        ca = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or None
        authority = None if os.environ.get("AZURE_AUTHORITY_HOST") else endpoints.authority
        return cls(
            cloud=endpoints.name,
            http=HttpSettings(arm, connection_verify=ca, read_timeout=timeout, **http),
            authority=authority,
            subscriptions=tuple(dict.fromkeys(s.strip().lower() for s in subscriptions)),
            resource_groups=tuple(dict.fromkeys(resource_groups)),
            workers=workers,
        )


@dataclass(frozen=True, slots=True)
class _Task:
    sub: str
    spec: TypeSpec
    rg: str | None

    @property
    def scope(self) -> str:
        rg = f"/resourceGroups/{self.rg}" if self.rg else ""
        return f"azure subscription {self.sub}{rg} {self.spec.type}"


@dataclass(slots=True)
class _End:
    """The last item a task puts on its queue."""

    incomplete: list[IncompleteScope]
    rg_missing: bool = False


class AzureCollector:
    """
    Collect Azure resources live with azure-identity and the management SDKs.
    """

    name = "azure"

    def __init__(
        self,
        settings: AzureSettings,
        types: set[str] | None = None,
        progress: bool = False,
        credential: Any = None,
    ) -> None:
        """
        `types`: lower-cased ARM types the policies need (None: every supported type).
        `credential`: any azure-core TokenCredential; default DefaultAzureCredential.
        """
        self.settings = settings
        self.incomplete: list[IncompleteScope] = []
        self.specs, self.unsupported = select(types)
        self.subscriptions: list[str] = list(settings.subscriptions)
        self._credential = credential
        self._progress = Progress("azure lists", enabled=progress)
        self._stop = threading.Event()
        for t in self.unsupported:
            logger.warning(
                "azure: no collector for resource type %s; policies on it see nothing", t
            )

    def shard_keys(self) -> list[str]:
        """The subscriptions of this run (after `collect()`), read or not: one shard each."""
        return list(self.subscriptions)

    def snapshot_header(self) -> dict[str, Any]:
        """Return the snapshot header fields: cloud, ARM endpoint, subscriptions, API versions."""
        header: dict[str, Any] = {
            "source": f"azure:{self.settings.cloud}",
            "cloud": self.settings.cloud,
            "arm_endpoint": self.settings.http.arm_endpoint,
            "subscriptions": list(self.subscriptions),
            "resource_types": [s.type for s in self.specs],
            "api_versions": {s.type: s.api_version for s in self.specs},
        }
        if self.settings.resource_groups:
            header["resource_groups"] = list(self.settings.resource_groups)
        if self.unsupported:
            header["unsupported_types"] = list(self.unsupported)
        return header

    def collect(self) -> Iterator[Resource]:
        """
        Yield every resource of the selected types in the selected subscriptions.

        Raises AzureAuthError (exit 2) when no credential yields a token; every other failure
        is recorded in `self.incomplete` and collection goes on.
        """
        credential = CachedCredential(
            self._credential
            or default_credential(self.settings.authority, self.settings.http.connection_verify)
        )
        self._stop.clear()
        check_credential(credential, self.settings.http.scope)
        factory = ClientFactory(credential, self.settings.http)
        try:
            if not self.subscriptions:
                self.subscriptions = self._discover(factory)
            yield from self._run(factory)
        finally:
            self._stop.set()
            self._progress.close()
            factory.close()
            if self._credential is None:
                credential.close()

    def _discover(self, factory: ClientFactory) -> list[str]:
        from azure.core.exceptions import AzureError, ClientAuthenticationError

        try:
            subs = list_subscriptions(factory)
        except ClientAuthenticationError as e:
            from scanner.collect.azure_auth import AzureAuthError

            raise AzureAuthError(
                f"ARM rejected the token when listing subscriptions: {describe(e)}"
            ) from None
        except AzureError as e:
            self.incomplete.append(IncompleteScope("azure subscriptions", describe(e)))
            return []
        found = sorted(
            str(s.get("subscriptionId", "")).lower() for s in subs if s.get("subscriptionId")
        )
        if not found:
            self.incomplete.append(
                IncompleteScope(
                    "azure subscriptions",
                    "the identity can read no subscription (assign it Reader)",
                )
            )
        return found

    def _tasks(self) -> list[_Task]:
        groups: tuple[str | None, ...] = self.settings.resource_groups or (None,)
        return [
            _Task(sub, spec, rg)
            for sub in self.subscriptions
            for spec in self.specs
            for rg in groups
        ]

    def _run(self, factory: ClientFactory) -> Iterator[Resource]:
        tasks = self._tasks()
        self._progress.start(len(tasks))
        queues = [queue.Queue[Any](maxsize=_AHEAD) for _ in tasks]
        rg_found: set[str] = set()
        workers = self.settings.workers
        with (
            ThreadPoolExecutor(workers, "ccscan-azure") as pool,
            ThreadPoolExecutor(workers, "ccscan-azure-site") as site_pool,
        ):
            for task, q in zip(tasks, queues, strict=True):
                pool.submit(self._produce, task, q, factory, site_pool)
            try:
                for task, q in zip(tasks, queues, strict=True):
                    while True:
                        item = q.get()
                        if isinstance(item, _End):
                            self.incomplete.extend(item.incomplete)
                            if task.rg and not item.rg_missing:
                                rg_found.add(task.rg)
                            self._progress.advance(steps=1)
                            break
                        for doc in item:
                            yield Resource(arm_resource(doc), source=f"azure:{task.sub}")
                        self._progress.advance(items=len(item))
            finally:
                # Early close (or a consumer error): stop producers at their next page.
                self._stop.set()
                pool.shutdown(wait=False, cancel_futures=True)
        for rg in self.settings.resource_groups:
            if rg not in rg_found and self.subscriptions:
                self.incomplete.append(
                    IncompleteScope(
                        f"azure resource group {rg}", "not found in any scanned subscription"
                    )
                )

    def _put(self, q: queue.Queue[Any], item: Any) -> bool:
        while not self._stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _produce(
        self,
        task: _Task,
        q: queue.Queue[Any],
        factory: ClientFactory,
        site_pool: ThreadPoolExecutor,
    ) -> None:
        incomplete: list[IncompleteScope] = []
        rg_missing = False
        try:
            def skip(path: str, e: Exception) -> None:  # one parent's children: that scope only
                incomplete.append(IncompleteScope(f"azure {path}", describe(e)))

            for page in task.spec.pages(factory, task.sub, task.rg, skip):
                if task.spec.site_config:
                    incomplete.extend(self._attach_site_config(page, task, factory, site_pool))
                if not self._put(q, page):
                    return
        except Exception as e:  # any failure is reported as incomplete, never hidden
            if task.rg and is_not_found(e, "ResourceGroupNotFound"):
                rg_missing = True
            else:
                logger.debug("azure: %s failed", task.scope, exc_info=True)
                incomplete.append(IncompleteScope(task.scope, describe(e)))
        self._put(q, _End(incomplete, rg_missing))

    def _attach_site_config(
        self, page: list[dict], task: _Task, factory: ClientFactory, site_pool: ThreadPoolExecutor
    ) -> list[IncompleteScope]:
        """
        Set `properties.siteConfig` of each site on a page from its `config/web`, concurrently.

        A site whose config cannot be read keeps what the list returned (policies that
        require siteConfig fields then say `unknown`) and is reported as incomplete.
        """
        spec = task.spec
        futures = [
            site_pool.submit(site_config, factory, spec, task.sub, str(doc.get("id", "")))
            for doc in page
        ]
        failed: list[IncompleteScope] = []
        for doc, future in zip(page, futures, strict=True):
            try:
                config = future.result()
            except Exception as e:  # noqa: BLE001 - one site's config must not lose the page
                failed.append(IncompleteScope(f"azure {doc.get('id')}/config/web", describe(e)))
                continue
            props = doc.get("properties")
            if not isinstance(props, dict):
                props = doc["properties"] = {}
            props["siteConfig"] = config
        return failed
