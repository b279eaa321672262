"""`suara dev` as a newcomer runs it: the demo complaint filed with an e-mail address reaches
the SMTP catcher and is listed by the dev page; `suara webhook listen` subscribes itself,
verifies and prints the complaint events of a new filing."""

from __future__ import annotations

import json
import os
import re
import signal
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


def wait_for(lines: list[str], pattern: str, proc: subprocess.Popen[str], timeout: float
             ) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while True:
        for line in list(lines):
            if m := re.search(pattern, line):
                return m
        assert proc.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, f"no {pattern!r} after {timeout}s:\n" + "".join(
            lines[-60:])
        time.sleep(0.2)


def reader(proc: subprocess.Popen[str], into: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(iter(proc.stdout.readline, "")),
                              daemon=True)
    thread.start()
    return thread


def test_a_newcomer_sees_the_message_and_listens_to_webhooks(tmp_path):
    ports = {name: free_port() for name in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUARA_")}
    env |= {f"SUARA_{n.upper()}_PORT": str(p) for n, p in ports.items()}
    env |= {"SUARA_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    dev = subprocess.Popen([sys.executable, "-m", "services.cli", "dev"], cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader(dev, lines)
    listener = None
    try:
        page = wait_for(lines, r"listed at (http://127\.0\.0\.1:\d+)/", dev, 90).group(1)
        wait_for(lines, "Suara is running", dev, 90)
        deadline = time.monotonic() + 30
        while True:  # the demo's complaint with an e-mail address
            with urllib.request.urlopen(f"{page}/messages", timeout=5) as resp:
                caught = json.loads(resp.read())
            mails = [c for c in caught if c["kind"] == "email" and c["to"] == "siti@example.id"]
            # the demo files and then verifies it: two messages, in either order (each is sent
            # on its own; a loaded machine may send the second first)
            if any("Pengaduan Anda diterima" in m["subject"] for m in mails):
                break
            assert time.monotonic() < deadline, caught
            time.sleep(0.3)
        assert "[email] to siti@example.id" in "".join(lines)  # printed in the terminal too
        with urllib.request.urlopen(f"{page}/", timeout=5) as resp:
            assert "siti@example.id" in resp.read().decode()

        out: list[str] = []
        listener = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "webhook", "listen", "--agency", "dpupr-bdg",
             "--events", "complaint.*", "--url",
             f"http://127.0.0.1:{ports['notifications']}"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        reader(listener, out)
        wait_for(out, r"listening on", listener, 30)
        wait_for(out, r"✔ .* webhook.test", listener, 30)
        body = json.dumps({"title": "Selokan mampet di Jl. Braga", "category_code": "DRAINASE",
                           "description": "Air meluap ke jalan setiap hujan."}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{ports['complaints']}/v1/complaints",
                                     data=body, headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 201
        wait_for(out, r"✔ .* complaint\.filed\.v1", listener, 30)
        listener.send_signal(signal.SIGINT)
        listener.wait(timeout=20)
        assert "subscription deleted" in "".join(out)
    finally:
        if listener is not None and listener.poll() is None:
            listener.kill()
        dev.send_signal(signal.SIGINT)
        try:
            dev.wait(timeout=45)
        except subprocess.TimeoutExpired:
            dev.kill()
