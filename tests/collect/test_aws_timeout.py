"""
`--aws-timeout`: an endpoint that accepts and never answers costs at most the read timeout per
attempt, then becomes an incomplete scope (exit 3), instead of minutes of silence. And the
"no credentials" error is one line saying what was tried and what to do.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("moto")
from moto.server import ThreadedMotoServer

from scanner.collect.aws_cli import parse_timeout
from scanner.errors import UsageError
from tests.conftest import ROOT


@pytest.fixture
def hung() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


@pytest.fixture(scope="module")
def sts_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_a_hung_endpoint_is_incomplete_within_the_timeout(hung, sts_url):
    env = dict(os.environ, AWS_ENDPOINT_URL=hung, AWS_ENDPOINT_URL_STS=sts_url,
               AWS_ACCESS_KEY_ID="AKIAFAKEFAKEFAKE", AWS_SECRET_ACCESS_KEY="fake-secret",
               AWS_EC2_METADATA_DISABLED="true", AWS_DEFAULT_REGION="us-east-1")
    started = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", "--aws", "--region", "us-east-1", "--format", "json",
         "--policies", "policies/aws/kms.yaml", "--aws-timeout", "1/2", "--aws-max-attempts", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.monotonic() - started
    assert res.returncode == 3, res.stderr
    assert elapsed < 30  # generous: 2 attempts x 2 s; botocore's default would sit for minutes
    (inc,) = json.loads(res.stdout)["incomplete"]
    assert inc["scope"] == "aws 123456789012/us-east-1 AWS::KMS::Key"
    assert "timeout" in inc["reason"].lower()
    # not silent until then: the retry after the first timeout is said on stderr
    assert "ccscan: WARNING: aws: ListAliases: Read timeout on endpoint URL" in res.stderr
    assert "retrying (attempt 2 of 2)" in res.stderr


@pytest.mark.parametrize("text, want", [("5", (5.0, 5.0)), ("3/30", (3.0, 30.0)), ("0.5/1", (0.5, 1.0))])
def test_parse_timeout(text, want):
    assert parse_timeout(text) == want


@pytest.mark.parametrize("text", ["", "x", "1/2/3", "0", "601", "-1/5", "5/"])
def test_a_bad_timeout_is_a_usage_error(text):
    with pytest.raises(UsageError, match="--aws-timeout"):
        parse_timeout(text)


def test_bad_timeout_on_the_cli_is_exit_2(ccscan):
    res = ccscan("scan", "--aws", "--aws-timeout", "fast")
    assert res.exit_code == 2 and "--aws-timeout 'fast'" in res.stderr


def test_no_credentials_is_one_line_with_the_fix(ccscan, monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    res = ccscan("scan", "--aws", "--region", "us-east-1")
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "no credentials found (tried environment keys" in lines[0]
    assert "to fix: run `aws configure`" in lines[0]
