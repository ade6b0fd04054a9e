"""
A small HTTPS server on 127.0.0.1 that answers like Azure Resource Manager (and like an Entra
ID token authority), for running the real azure-mgmt-* clients and azure-identity in tests.

Data-driven: an `Estate` holds subscriptions, ARM resource documents and App Service site
configs (from `fixtures/azure/**.json` lists, or generated). The server serves provider list
endpoints with `nextLink` paging, `config/web`, the subscriptions list and a token endpoint,
logs every request, and injects faults (`Fault`: status, Retry-After, delay) by URL pattern.

    with ArmEmulator(Estate.from_fixtures(FIXTURES / "azure")) as arm:
        client = ComputeManagementClient(cred, sub, base_url=arm.url, connection_verify=arm.ca_file, ...)
"""

from __future__ import annotations

import json
import re
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from support.arm_estate import Estate, rg_of

__all__ = ["TOKEN", "ArmEmulator", "Estate", "Fault", "Seen"]

TOKEN = "emulator-static-token"
"""The bearer token the emulator accepts by default (and issues from its token endpoint)."""

_LIST = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)(?:/resourceGroups/(?P<rg>[^/]+))?/providers/(?P<ns>[^/]+)/(?P<type>[^/]+)$",
    re.IGNORECASE,
)
_SITE_CONFIG = re.compile(
    r"^(?P<site>/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Web/sites/[^/]+)/config/web$",
    re.IGNORECASE,
)
_CHILDREN = re.compile(
    r"^(?P<parent>/subscriptions/(?P<sub>[^/]+)/resourceGroups/[^/]+/providers/(?P<ns>[^/]+)/(?P<type>[^/]+)/[^/]+)/(?P<child>[^/]+)$",
    re.IGNORECASE,
)
_EXTENSION = re.compile(  # an extension type listed under a resource: diagnostic settings
    r"^(?P<parent>/subscriptions/(?P<sub>[^/]+)/resourceGroups/[^/]+/providers/[^/]+/[^/]+/[^/]+)"
    r"/providers/(?P<ns>[^/]+)/(?P<type>[^/]+)$",
    re.IGNORECASE,
)
_OPENID = re.compile(r"^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$")
_TOKEN = re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$")


@dataclass
class Fault:
    """
    An injected failure for requests whose path matches `pattern` (re.search, ignoring case)
    and, if given, whose query string matches `query`.
    """

    pattern: str
    status: int = 500
    times: int | None = 1
    """How many matching requests fail; None: all of them."""
    code: str = "InternalServerError"
    retry_after: float | None = None
    delay: float = 0.0
    """Seconds to wait before answering (a slow response; with status 0 the normal answer)."""
    method: str = "GET"
    query: str | None = None


@dataclass(frozen=True)
class Seen:
    """One request the emulator received."""

    method: str
    path: str
    query: dict[str, str]
    authorization: str | None


class ArmEmulator:
    """
    The HTTPS ARM emulator; a context manager that serves on an ephemeral 127.0.0.1 port.
    """

    def __init__(
        self, estate: Estate | None = None, page_size: int = 100, tokens: set[str] | None = None
    ) -> None:
        import trustme

        self.estate = estate or Estate()
        self.page_size = page_size
        self.tokens = set(tokens or {TOKEN})
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self.issued_tokens: list[str] = []
        self._lock = threading.Lock()
        self.ca = trustme.CA()
        self._cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self._tmp = tempfile.TemporaryDirectory(prefix="arm-emulator-")
        self.ca_file = str(Path(self._tmp.name) / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self._server: ThreadingHTTPServer | None = None
        self._url = ""

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Serve in a daemon thread."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(ctx)
        emulator = self

        class Handler(_Handler):
            arm = emulator

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        # Handshake in the handler thread, so one slow client does not block accept().
        server.socket = ctx.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        self._server = server
        self._url = f"https://127.0.0.1:{server.server_address[1]}"
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        """Stop serving and remove the CA file."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._tmp.cleanup()

    @property
    def url(self) -> str:
        """`https://127.0.0.1:PORT`."""
        assert self._url, "emulator not started"
        return self._url

    # -- test helpers -----------------------------------------------------------------------
    def fail(self, pattern: str, status: int = 500, **kw: Any) -> Fault:
        """Add a Fault and return it."""
        fault = Fault(pattern, status, **kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def count(self, pattern: str = "", method: str | None = None) -> int:
        """Number of requests whose path matches `pattern` (re.search)."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if re.search(pattern, r.path, re.IGNORECASE)
                and (method is None or r.method == method)
            )

    def reset_log(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self.requests.clear()

    # -- request handling (called from handler threads) -------------------------------------
    def _record(self, seen: Seen) -> Fault | None:
        with self._lock:
            self.requests.append(seen)
            query = "&".join(f"{k}={v}" for k, v in seen.query.items())
            for fault in self.faults:
                if (
                    fault.method == seen.method
                    and (fault.times is None or fault.times > 0)
                    and re.search(fault.pattern, seen.path, re.IGNORECASE)
                    and (fault.query is None or re.search(fault.query, query))
                ):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, dict, Any]:
        """Return (status, extra headers, JSON body) for one request."""
        if m := _OPENID.match(path):
            base = f"{self.url}/{m['tenant']}"
            return (
                200,
                {},
                {
                    "issuer": f"{base}/v2.0",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "tenant_region_scope": None,
                },
            )
        if _TOKEN.match(path) and method == "POST":
            form = dict(parse_qsl(body.decode()))
            if form.get("grant_type") != "client_credentials" or not form.get("client_secret"):
                return (
                    400,
                    {},
                    {"error": "invalid_request", "error_description": "client secret required"},
                )
            token = f"issued-{uuid.uuid4().hex}"
            with self._lock:
                self.tokens.add(token)
                self.issued_tokens.append(token)
            return (
                200,
                {},
                {
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "ext_expires_in": 3600,
                    "access_token": token,
                },
            )
        auth = headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return 401, {}, _error("InvalidAuthenticationToken", "The access token is invalid.")
        if method != "GET":
            return 405, {}, _error("MethodNotAllowed", "The emulator is read-only.")
        if path.rstrip("/").lower() == "/subscriptions":
            subs = [
                {
                    "id": f"/subscriptions/{s}",
                    "subscriptionId": s,
                    "tenantId": "00000000-0000-0000-0000-000000000001",
                    "displayName": name,
                    "state": "Enabled",
                }
                for s, name in sorted(self.estate.subscriptions.items())
            ]
            return self._page(path, query, subs)
        if m := _SITE_CONFIG.match(path):
            site = m["site"].lower()
            if site not in self.estate.site_configs:
                return 404, {}, _error("ResourceNotFound", f"site {m['site']} not found")
            return (
                200,
                {},
                {
                    "id": f"{m['site']}/config/web",
                    "name": "web",
                    "type": "Microsoft.Web/sites/config",
                    "properties": self.estate.site_configs[site],
                },
            )
        if m := _LIST.match(path):
            sub = m["sub"].lower()
            if sub not in self.estate.subscriptions:
                return (
                    404,
                    {},
                    _error(
                        "SubscriptionNotFound", f"The subscription '{m['sub']}' could not be found."
                    ),
                )
            rg = (m["rg"] or "").lower()
            if rg and rg not in self.estate.resource_groups(sub):
                return (
                    404,
                    {},
                    _error(
                        "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found."
                    ),
                )
            rtype = f"{m['ns']}/{m['type']}".lower()
            items = [d for d in self.estate.listing(sub, rtype) if not rg or rg_of(d["id"]) == rg]
            return self._page(path, query, items)
        if m := _CHILDREN.match(path):
            sub, parent = m["sub"].lower(), m["parent"].lower()
            ptype = f"{m['ns']}/{m['type']}".lower()
            if not any(d["id"].lower() == parent for d in self.estate.listing(sub, ptype)):
                return 404, {}, _error("ResourceNotFound", f"{m['parent']} not found")
            prefix = f"{parent}/{m['child'].lower()}/"
            items = [d for d in self.estate.listing(sub, f"{ptype}/{m['child'].lower()}")
                     if d["id"].lower().startswith(prefix)]
            return self._page(path, query, items)
        if m := _EXTENSION.match(path):
            sub, parent = m["sub"].lower(), m["parent"].lower()
            if not any(d["id"].lower() == parent for d in self.estate.resources):
                return 404, {}, _error("ResourceNotFound", f"{m['parent']} not found")
            rtype = f"{m['ns']}/{m['type']}".lower()
            prefix = f"{parent}/providers/{rtype}/"
            items = [d for d in self.estate.listing(sub, rtype) if d["id"].lower().startswith(prefix)]
            return self._page(path, query, items)
        return 404, {}, _error("InvalidResourceType", f"The emulator does not serve {path}.")

    def _page(self, path: str, query: dict[str, str], items: list[dict]) -> tuple[int, dict, Any]:
        start = int(query.get("$skiptoken", "0"))
        end = start + self.page_size
        body: dict[str, Any] = {"value": items[start:end]}
        if end < len(items):
            version = query.get("api-version", "")
            body["nextLink"] = f"{self.url}{path}?api-version={version}&$skiptoken={end}"
        return 200, {}, body


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class _Handler(BaseHTTPRequestHandler):
    arm: ArmEmulator
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK adds
    # ~40 ms to every response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = self.arm._record(Seen(method, parts.path, query, self.headers.get("Authorization")))
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            extra = (
                {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            )
            status, payload = fault.status, _error(fault.code, f"injected {fault.status}")
        else:
            status, extra, payload = self.arm.handle(method, parts.path, query, self.headers, body)
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass  # the client gave up (a timeout test); nothing to answer
