"""
Progress on stderr: drawn on a terminal (a real pty), never when stderr is piped or with -q.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

from scanner.progress import Progress
from tests.conftest import FIXTURES, ROOT

CCSCAN = Path(sys.executable).with_name("ccscan")


def _stderr_on_a_pty(*args: str) -> tuple[int, str]:
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(CCSCAN), *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave, env=dict(os.environ, COLUMNS="120"))
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=60), out.decode(errors="replace")


def test_progress_shows_on_a_terminal(tmp_path):
    code, err = _stderr_on_a_pty("scan", str(FIXTURES), "--format", "json", "-o", str(tmp_path / "r.json"))
    assert code == 1
    assert "reading " in err and "virtual-machines.json" in err
    assert "4 resources" in err and "/s" in err  # prod-ai/virtual-machines.json holds 4 VMs


def test_no_progress_with_quiet_on_a_terminal(tmp_path):
    code, err = _stderr_on_a_pty("scan", str(FIXTURES), "-q", "--format", "json", "-o", str(tmp_path / "r.json"))
    assert code == 1 and "reading " not in err and "resources" not in err


def test_no_progress_when_piped(tmp_path):
    res = subprocess.run([str(CCSCAN), "scan", str(FIXTURES), "--format", "json", "-o", str(tmp_path / "r.json")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 1 and res.stderr == ""


class _Tty:
    def __init__(self) -> None:
        self.text = ""
        self.lock = threading.Lock()

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> None:
        with self.lock:
            self.text += s

    def flush(self) -> None:
        pass


def test_updates_from_many_threads_add_up():
    stream = _Tty()
    bar = Progress("aws tasks", True, total=400, stream=stream)

    def work() -> None:
        for _ in range(100):
            bar.advance(steps=1, items=3)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bar.close()
    last = stream.text.rsplit("\r", 1)[-1]
    assert "400/400" in last and "1200 resources" in last


def test_disabled_progress_writes_nothing():
    stream = _Tty()
    bar = Progress("x", False, total=3, stream=stream)
    bar.advance(steps=3, items=9)
    bar.close()
    assert list(Progress("y", False, stream=stream).wrap([1, 2])) == [1, 2]
    assert stream.text == ""
