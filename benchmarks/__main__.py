"""``make bench``: every benchmark, each figure next to a baseline measured in the same run."""

from __future__ import annotations

import asyncio
import os
import platform

from benchmarks import bus
from shared.logging import configure_logging


def main() -> None:
    configure_logging("console", "WARNING")
    print(f"Suara benchmarks on {platform.node()}: {os.cpu_count()} cores, "
          f"Python {platform.python_version()}\n")
    rows = asyncio.run(bus.run())
    width = max(len(label) for label, _ in rows)
    print("\nbus")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
