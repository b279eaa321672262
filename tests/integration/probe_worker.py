"""The probe consumer in a process of its own, to be killed: ``python -m
tests.integration.probe_worker DATABASE_URL BOOTSTRAP PREFIX HANDLER_DELAY``.

Consumes only (no relay). Prints ``ready`` once started; stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from shared.logging import configure_logging
from tests.integration import probe


async def main(database_url: str, bootstrap: str, prefix: str, delay: float) -> None:
    settings = probe.make_settings(database_url=database_url, bootstrap=bootstrap,
                                   prefix=prefix, relay_enabled=False, consumer_max_batch=500)
    runtime = probe.make_runtime(settings, handler_delay=delay)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await runtime.start()
    print("ready", flush=True)
    await stop.wait()
    await runtime.stop()
    print("stopped", flush=True)


if __name__ == "__main__":
    configure_logging("console", "WARNING")
    db, bootstrap, prefix, delay = sys.argv[1:5]
    asyncio.run(main(db, bootstrap, prefix, float(delay)))
