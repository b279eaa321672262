"""`suara dev` (what `make run` runs), as a user runs it: a real process tree over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from shared.broker import free_port

pytestmark = pytest.mark.broker
REPO = Path(__file__).resolve().parents[2]
SERVICES = ["complaints", "surveys", "kpi", "notifications"]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_suara_dev_runs_the_platform_and_stops_cleanly_on_ctrl_c(tmp_path):
    ports = {name: free_port() for name in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUARA_")}
    env |= {f"SUARA_{n.upper()}_PORT": str(p) for n, p in ports.items()}
    env |= {"SUARA_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "dev"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")),
                              daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while not any("Suara is running" in ln for ln in lines):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "not running after 90 s:\n" + "".join(lines)
            time.sleep(0.2)
        output = "".join(lines)
        for port in ports.values():
            assert f"http://127.0.0.1:{port}" in output
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as resp:
                assert resp.status == 200
        broker_port = int(next(ln for ln in lines if ln.strip().startswith("broker"))
                          .rsplit(":", 1)[1])
        assert port_open(broker_port)
        for name in SERVICES:  # each service has its own SQLite file in the data folder
            assert (tmp_path / "data" / f"{name}.db").exists()

        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(timeout=45) == 0, "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=5)
    assert "stopped." in "".join(lines)
    for port in [*ports.values(), broker_port]:
        assert not port_open(port), f"port {port} still open after Ctrl-C"
