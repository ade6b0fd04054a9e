"""
Local HTTPS emulators (trustme certificates, 127.0.0.1 only) of the two SIEM ingestion APIs
ccscan ships to: Splunk HTTP Event Collector and the Azure Monitor Logs Ingestion API.

Each checks the credential, records what it accepted, and answers scripted failures
(`script`: a list of (status, Retry-After) served in order before normal answers).

    with HecEmulator(token="t") as hec:
        SplunkSink(hec.url, "t", ca_file=hec.ca_file)...
        hec.events  # every accepted event, parsed
"""

from __future__ import annotations

import gzip
import json
import re
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

__all__ = ["HecEmulator", "IngestionEmulator"]


class _Emulator:
    def __init__(self) -> None:
        import trustme

        self.ca = trustme.CA()
        self._cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self._tmp = tempfile.TemporaryDirectory(prefix="siem-emulator-")
        self.ca_file = str(Path(self._tmp.name) / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.script: list[tuple[int, str | None]] = []
        self.requests: list[dict[str, Any]] = []
        """Every request: method, path, headers (as a dict), status answered, body size."""
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def __enter__(self) -> Self:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(ctx)
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:  # nothing is served by GET: record, then 404
                with emulator.lock:
                    emulator.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "status": 404, "size": 0})
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, headers, answer = emulator.handle(self.path, dict(self.headers), body)
                with emulator.lock:
                    emulator.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "status": status, "size": len(body)})
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.url = f"https://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        self._tmp.cleanup()

    def scripted(self) -> tuple[int, dict[str, str]] | None:
        with self.lock:
            if not self.script:
                return None
            status, retry_after = self.script.pop(0)
        return status, ({"Retry-After": retry_after} if retry_after is not None else {})

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError


class HecEmulator(_Emulator):
    """Splunk HEC: `POST /services/collector/event`, `Authorization: Splunk <token>`."""

    def __init__(self, token: str, max_content_length: int = 1_000_000) -> None:
        super().__init__()
        self.token = token
        self.max_content_length = max_content_length
        self.events: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []
        self.redirect_to: str | None = None
        """Answer every event POST with a 302 to this URL (a token must not follow it)."""

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.redirect_to and path == "/services/collector/event":
            return 302, {"Location": self.redirect_to}, b""
        if path != "/services/collector/event":
            return 404, {}, b'{"text":"not found","code":404}'
        if headers.get("Authorization") != f"Splunk {self.token}":
            return 403, {}, b'{"text":"Invalid token","code":4}'
        if len(body) > self.max_content_length:
            return 413, {}, b'{"text":"Content too large","code":27}'
        scripted = self.scripted()
        if scripted:
            return scripted[0], scripted[1], b'{"text":"Server is busy","code":9}'
        # HEC accepts concatenated JSON objects; ccscan puts one per line
        events = [json.loads(line) for line in body.split(b"\n") if line.strip()]
        with self.lock:
            self.bodies.append(body)
            self.events.extend(events)
        return 200, {"Content-Type": "application/json"}, b'{"text":"Success","code":0}'


_INGEST = re.compile(r"^/dataCollectionRules/(?P<rule>[^/]+)/streams/(?P<stream>[^/?]+)\?api-version=")


class IngestionEmulator(_Emulator):
    """Logs Ingestion API: gzip JSON arrays POSTed per DCR stream; 204 on success."""

    def __init__(self, token: str, rule_id: str, stream: str) -> None:
        super().__init__()
        self.token, self.rule_id, self.stream = token, rule_id, stream
        self.rows: list[dict[str, Any]] = []

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        m = _INGEST.match(path)
        if not m or m["rule"] != self.rule_id or m["stream"] != self.stream:
            return 404, {}, b'{"error":{"code":"NotFound","message":"no such rule/stream"}}'
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {}, b'{"error":{"code":"InvalidToken","message":"bad token"}}'
        if len(body) > 1024 * 1024:  # the service's limit: 1 MB per call, compressed
            return 413, {}, b'{"error":{"code":"ContentLengthLimitExceeded","message":"too big"}}'
        scripted = self.scripted()
        if scripted:
            return scripted[0], scripted[1], b'{"error":{"code":"TooManyRequests","message":"slow"}}'
        raw = gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body
        rows = json.loads(raw)
        with self.lock:
            self.rows.extend(rows)
        return 204, {}, b""
