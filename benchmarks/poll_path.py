"""What one poll of our trigger costs in code: modules, frames and function calls.

Run as ``python -m benchmarks.poll_path [camb|blendvision] [SECONDS]``. One trigger, built as
the benchmark builds it (a real sensor's trigger, serialised and rebuilt), polls the
emulator (in its own process) back to back with a zero interval for ``SECONDS``. Meanwhile
a profile hook counts every Python function call in this process, notes which of the
package's modules ran, and the deepest stack of the package's own frames; the emulator
counts the polls. Prints one JSON line:

- ``calls_per_poll``: Python function calls (C functions included) divided by polls;
- ``package_modules``: the package's modules whose code ran during the polls;
- ``package_frames``: the most of the package's frames on the stack at once;
- ``polls``.

The figures are counts, not times, so they do not depend on the machine's load.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from pathlib import Path
from typing import Any

from benchmarks.poller import admin, set_connections, waiter_factory
from benchmarks.server import emulator_process

PACKAGE = str(Path(__file__).resolve().parents[1] / "airflow_provider_dubbing")


class CallCounter:
    """A ``sys.setprofile`` hook: calls, the package's modules and its deepest stack of frames."""

    def __init__(self) -> None:
        self.calls = 0
        self.modules: set[str] = set()
        self.deepest = 0

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if event not in ("call", "c_call"):
            return
        self.calls += 1
        if event != "call":
            return
        filename = frame.f_code.co_filename
        if not filename.startswith(PACKAGE) or "/emulator/" in filename:
            return
        self.modules.add(filename.removeprefix(PACKAGE + "/"))
        depth, walk = 0, frame
        while walk is not None:
            if walk.f_code.co_filename.startswith(PACKAGE):
                depth += 1
            walk = walk.f_back
        self.deepest = max(self.deepest, depth)


async def measure(design: str, seconds: float, port: int) -> dict[str, Any]:
    await asyncio.to_thread(admin, port, "setup", "jobs=1")
    wait = asyncio.ensure_future(waiter_factory(design, 0.0, port)(0))
    await asyncio.sleep(1.0)  # the connection lookup and first poll are one-off costs
    await asyncio.to_thread(admin, port, "reset")
    counter = CallCounter()
    sys.setprofile(counter)
    threading.setprofile(counter)
    await asyncio.sleep(seconds)
    sys.setprofile(None)
    threading.setprofile(None)  # type: ignore[arg-type]
    polls = int((await asyncio.to_thread(admin, port, "stats"))["requests"])
    wait.cancel()
    await asyncio.gather(wait, return_exceptions=True)
    return {
        "design": design,
        "polls": polls,
        "calls_per_poll": round(counter.calls / max(polls, 1)),
        "package_modules": sorted(counter.modules),
        "package_frames": counter.deepest,
    }


def main(argv: list[str]) -> None:
    design = argv[0] if argv else "camb"
    seconds = float(argv[1]) if len(argv) > 1 else 3.0
    with emulator_process() as port:
        set_connections(port)
        result = asyncio.run(measure(design, seconds, port))
    result["package_module_count"] = len(result["package_modules"])
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
