"""
Live AWS collector: accounts x regions x resource types, fetched concurrently with boto3.

Only the CLI's `--aws` path imports this module (boto3 is slow to import). The resource
fetchers and the canonical shapes live in `aws_resources.py` and `aws_s3.py`; this module owns
sessions, scope (accounts, regions), concurrency and turning AWS errors into incomplete scopes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from scanner import __version__
from scanner.collect.aws_resources import FETCHERS, GLOBAL_TYPES, RegionContext
from scanner.collect.base import IncompleteScope
from scanner.errors import CcscanError
from scanner.inventory.resource import Resource
from scanner.progress import Progress

logger = logging.getLogger(__name__)

# Client errors that mean "these credentials cannot be used at all" when the first call fails.
_AUTH_CODES = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "AuthFailure",
    "RequestExpired",
}
# In a region, the same codes mean the region is not enabled for the account (opt-in regions).
_OPT_IN_CODES = {"OptInRequired", "AuthFailure", "UnrecognizedClientException",
                 "InvalidClientTokenId"}


class AwsAuthError(CcscanError):
    """
    AWS credentials are missing or rejected: nothing can be collected (exit code 2).
    """


@dataclass(frozen=True)
class AwsOptions:
    """
    What to collect and how; built by `aws_cli.collector_from` from the command line.
    """

    regions: tuple[str, ...] = ()
    """Regions to scan; empty: every region enabled in each account (ec2:DescribeRegions)."""
    profile: str | None = None
    role_arns: tuple[str, ...] = ()
    """One role per account to assume; empty: scan the account of the base credentials."""
    external_id: str | None = None
    max_workers: int = 8
    max_attempts: int = 8
    connect_timeout: float = 10
    """Seconds to connect to an endpoint (--aws-timeout CONNECT/READ)."""
    read_timeout: float = 60
    """Seconds to wait for an answer: a hung endpoint costs at most this per attempt."""
    types: frozenset[str] | None = None
    """Lower-cased CloudFormation types to collect; None: every supported type."""
    progress: bool = False
    retry_mode: str = "standard"


@dataclass
class _Account:
    """
    One account to scan: its session, id, partition and regions.
    """

    session: Any
    account: str
    partition: str
    regions: list[str] = field(default_factory=list)
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)


class AwsCollector:
    """
    Collect AWS resources in the canonical shape, one `Resource` per ARN.

    `session_factory(**kwargs)` builds every boto3 Session (the base one with `profile_name`,
    assumed-role ones with temporary keys); tests pass one that registers botocore event hooks.
    """

    name = "aws"

    def __init__(
        self,
        options: AwsOptions | None = None,
        session_factory: Callable[..., Any] = boto3.Session,
    ) -> None:
        self.options = options or AwsOptions()
        self.session_factory = session_factory
        self.incomplete: list[IncompleteScope] = []
        self._accounts: list[_Account] | None = None
        self._lock = threading.Lock()
        self._secrets: list[str] = []
        self._progress = Progress("aws tasks", False)
        self._config = Config(
            # botocore's `max_attempts` counts retries; `total_max_attempts` counts the first
            # call too, which is what --aws-max-attempts promises.
            retries={"mode": self.options.retry_mode,
                     "total_max_attempts": self.options.max_attempts},
            max_pool_connections=max(10, self.options.max_workers),
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
            user_agent_extra=f"ccscan/{__version__}",
        )

    # -- scope -----------------------------------------------------------------------------

    def types(self) -> list[str]:
        """
        Return the CloudFormation types this run collects, in collection order.
        """
        wanted = self.options.types
        return [t for t in FETCHERS if wanted is None or t.lower() in wanted]

    def accounts(self) -> list[_Account]:
        """
        Resolve credentials, accounts and regions once. Raises AwsAuthError on failed auth.
        """
        if self._accounts is None:
            base = self._base_session()
            if self.options.role_arns:
                accounts = [a for arn in self.options.role_arns if (a := self._assume(base, arn))]
            else:
                accounts = [self._identify(base)]
            for acct in accounts:
                acct.regions = self._regions(acct)
            self._accounts = accounts
        return self._accounts

    def _base_session(self) -> Any:
        try:
            session = self.session_factory(profile_name=self.options.profile)
        except ProfileNotFound as e:
            raise AwsAuthError(f"aws: {e}") from None
        creds = session.get_credentials()
        if creds is None:
            raise AwsAuthError(
                "aws: no credentials found (tried environment keys, AWS_PROFILE/--profile, the "
                "shared credentials and config files, SSO, container and instance roles); "
                "to fix: run `aws configure` or `aws sso login`, or pass --profile NAME"
            )
        self._remember_secrets(creds)
        return session

    def _remember_secrets(self, creds: Any) -> None:
        frozen = creds.get_frozen_credentials() if hasattr(creds, "get_frozen_credentials") else creds
        self._secrets += [s for s in (frozen.access_key, frozen.secret_key, frozen.token) if s]

    def _home_region(self, session: Any) -> str:
        return (self.options.regions[0] if self.options.regions else None) or (
            session.region_name or "us-east-1"
        )

    def _identify(self, session: Any) -> _Account:
        sts = session.client("sts", region_name=self._home_region(session), config=self._config)
        try:
            ident = sts.get_caller_identity()
        except (NoCredentialsError, PartialCredentialsError, TokenRetrievalError,
                UnauthorizedSSOTokenError) as e:
            raise AwsAuthError(f"aws: authentication failed: {self._scrub(str(e))}") from None
        except ClientError as e:
            raise AwsAuthError(f"aws: authentication failed: {self._reason(e)}") from None
        except BotoCoreError as e:
            raise AwsAuthError(f"aws: cannot reach STS: {self._scrub(str(e))}") from None
        arn = str(ident.get("Arn", "arn:aws:"))
        return _Account(session, str(ident["Account"]), arn.split(":")[1] or "aws")

    def _assume(self, base: Any, role_arn: str) -> _Account | None:
        parts = role_arn.split(":")
        if len(parts) < 6 or parts[0] != "arn" or not parts[4].isdigit():
            raise AwsAuthError(f"aws: --role-arn {role_arn!r} is not an IAM role ARN")
        sts = base.client("sts", region_name=self._home_region(base), config=self._config)
        kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "ccscan"}
        if self.options.external_id:
            kwargs["ExternalId"] = self.options.external_id
        try:
            creds = sts.assume_role(**kwargs)["Credentials"]
        except (NoCredentialsError, PartialCredentialsError, TokenRetrievalError,
                UnauthorizedSSOTokenError) as e:
            raise AwsAuthError(f"aws: authentication failed: {self._scrub(str(e))}") from None
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in _AUTH_CODES:  # the base credentials themselves are bad: stop
                raise AwsAuthError(f"aws: authentication failed: {self._reason(e)}") from None
            # One account refusing the role must not lose the others.
            self._note(f"aws account {parts[4]} (role {role_arn})", self._reason(e))
            return None
        except BotoCoreError as e:
            raise AwsAuthError(f"aws: cannot reach STS: {self._scrub(str(e))}") from None
        self._secrets += [creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]]
        session = self.session_factory(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=base.region_name,
        )
        return _Account(session, parts[4], parts[1] or "aws")

    def _regions(self, acct: _Account) -> list[str]:
        if self.options.regions:
            return list(dict.fromkeys(self.options.regions))
        home = self._home_region(acct.session)
        try:
            ec2 = acct.session.client("ec2", region_name=home, config=self._config)
            # Without AllRegions, DescribeRegions lists only regions enabled for the account.
            found = ec2.describe_regions()["Regions"]
            return sorted(r["RegionName"] for r in found)
        except (ClientError, BotoCoreError) as e:
            self._note(f"aws {acct.account} regions", self._reason(e) + f"; scanning {home} only")
            return [home]

    # -- collection ------------------------------------------------------------------------

    def collect(self) -> Iterator[Resource]:
        """
        Yield every resource of the selected types; failures become `self.incomplete` entries.

        Tasks run concurrently (bounded by `max_workers`) and are yielded in submission order,
        so two runs over the same estate yield the same sequence. Raises AwsAuthError.
        """
        accounts = self.accounts()
        types = self.types()
        self._progress = Progress("aws tasks", self.options.progress)
        with ThreadPoolExecutor(self.options.max_workers, thread_name_prefix="ccscan-aws") as pool:
            futures: list[tuple[str, Future[list[dict]]]] = []
            for acct in accounts:
                for rtype in types:
                    regions = acct.regions[:1] if rtype in GLOBAL_TYPES else acct.regions
                    for region in regions:
                        ctx = self._context(acct, region)
                        futures.append(
                            (f"aws:{acct.account}/{region}", pool.submit(self._run, ctx, rtype))
                        )
            self._progress.start(len(futures))
            try:
                for source, fut in futures:
                    for doc in fut.result():
                        yield Resource(doc, source=f"aws:{doc['account']}/{doc['location']}")
            finally:
                for _, fut in futures:
                    fut.cancel()
                self._progress.close()

    def _context(self, acct: _Account, region: str) -> RegionContext:
        return RegionContext(
            account=acct.account,
            partition=acct.partition,
            region=region,
            regions=tuple(acct.regions),
            client=lambda service, r=region: self._client(acct, service, r),
            note=self._note,
            reason=self._reason,
            available=lambda service: self._available(acct, service),
        )

    def _run(self, ctx: RegionContext, rtype: str) -> list[dict]:
        scope = f"aws {ctx.account}/{ctx.region} {rtype}"
        try:
            docs = list(FETCHERS[rtype](ctx))
        except (NoCredentialsError, PartialCredentialsError) as e:
            self._note(scope, self._scrub(str(e)))
            return []
        except (ClientError, BotoCoreError) as e:
            self._note(scope, self._reason(e))
            return []
        self._progress.advance(steps=1, items=len(docs))
        return docs

    def _client(self, acct: _Account, service: str, region: str) -> Any:
        # boto3 sessions are not thread-safe; clients are. Create them under a lock.
        with self._lock:
            key = (service, region)
            if key not in acct.clients:
                client = acct.session.client(service, region_name=region, config=self._config)
                client.meta.events.register("needs-retry", self._say_retry)
                acct.clients[key] = client
            return acct.clients[key]

    def _say_retry(self, attempts: int = 0, caught_exception: Exception | None = None,
                   operation: Any = None, **_: Any) -> None:
        # botocore retries timeouts silently; a hung endpoint must show up before the last try.
        # Returning None leaves the retry decision to botocore's own handler.
        if caught_exception is not None and attempts < self.options.max_attempts:
            logger.warning("aws: %s: %s; retrying (attempt %d of %d)", getattr(operation, "name", "call"),
                           self._scrub(str(caught_exception)), attempts + 1, self.options.max_attempts)

    def _available(self, acct: _Account, service: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(acct.session.get_available_regions(service, acct.partition))

    def _note(self, scope: str, reason: str) -> None:
        with self._lock:
            self.incomplete.append(IncompleteScope(scope, self._scrub(reason)))

    def _reason(self, e: Exception) -> str:
        """
        Return one line saying why a call failed, without credentials.
        """
        if isinstance(e, ClientError):
            err = e.response.get("Error", {})
            code = str(err.get("Code", "Error"))
            msg = str(err.get("Message", "")).splitlines()[0] if err.get("Message") else ""
            op = getattr(e, "operation_name", "")
            if code in _OPT_IN_CODES and "region" not in msg.lower():
                msg = (msg + " " if msg else "") + "(region not enabled for this account?)"
            text = f"{code} on {op}: {msg}" if op else f"{code}: {msg}"
        elif isinstance(e, BotoConnectionError):
            text = f"endpoint unreachable: {e}"
        elif isinstance(e, NoRegionError):
            text = "no region configured (pass --region)"
        else:
            text = f"{type(e).__name__}: {e}"
        return self._scrub(text.strip())

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        return text

    def shard_keys(self) -> list[str]:
        """
        The accounts of this run, read or not (one shard each): those signed in to, and those
        whose `--role-arn` was refused.
        """
        found = [a.account for a in self.accounts()]
        return list(dict.fromkeys(found + [arn.split(":")[4] for arn in self.options.role_arns]))

    def snapshot_header(self) -> dict:
        """
        Return the AWS fields of a snapshot header: accounts, regions, resource types.
        """
        accounts = self.accounts()
        return {
            "source": "aws:" + ",".join(a.account for a in accounts),
            "accounts": [a.account for a in accounts],
            "regions": sorted({r for a in accounts for r in a.regions}),
            "resource_types": self.types(),
        }
