"""``make bench``: every benchmark, each figure next to a baseline measured in the same run."""

from __future__ import annotations

import asyncio
import os
import platform

from benchmarks import bus, http_layer, intake, kpi, notifications, surveys
from shared.logging import configure_logging


def main() -> None:
    configure_logging("console", "WARNING")
    print(f"Suara benchmarks on {platform.node()}: {os.cpu_count()} cores, "
          f"Python {platform.python_version()}\n")
    sections = [("bus", asyncio.run(bus.run())),
                ("complaints intake", asyncio.run(intake.run())),
                ("shared HTTP layer (CPU per request, no network)",
                 asyncio.run(http_layer.run())),
                ("surveys", asyncio.run(surveys.run())),
                ("kpi", asyncio.run(kpi.run())),
                ("notifications", asyncio.run(notifications.run()))]
    width = max(len(label) for _, rows in sections for label, _ in rows)
    for name, rows in sections:
        print(f"\n{name}")
        for label, value in rows:
            print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
