"""DAG-parse cost: what importing our sensors and operators adds to ``import airflow``, against
Airflow's own ``HttpSensor``, each in fresh interpreters (several, alternating; medians).

A DAG file that uses a sensor imports its module when the DAG processor parses it, so
this cost is paid on every parse of every such file.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys

OURS = (
    "airflow_provider_dubbing.sensors.camb",
    "airflow_provider_dubbing.sensors.blendvision",
    "airflow_provider_dubbing.operators.camb",
    "airflow_provider_dubbing.operators.blendvision",
)
THEIRS = ("airflow.providers.http.sensors.http",)

_PROBE = """
import json, sys, time
import airflow
before = set(sys.modules)
started = time.perf_counter()
for name in sys.argv[1:]:
    __import__(name)
elapsed = time.perf_counter() - started
print(json.dumps({"s": elapsed, "modules": len(set(sys.modules) - before)}))
"""


def available(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(importable, missing) module names, checked without importing them here."""
    found, missing = [], []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        (found if spec is not None else missing).append(name)
    return found, missing


def probe(modules: list[str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules], capture_output=True, text=True, check=True, timeout=300
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(runs: int = 7) -> dict[str, object]:
    ours, missing = available(OURS)
    theirs, _ = available(THEIRS)
    our_times, their_times, our_modules, their_modules = [], [], 0.0, 0.0
    for _ in range(runs):
        ours_run = probe(ours)
        our_times.append(ours_run["s"])
        our_modules = ours_run["modules"]
        if theirs:
            theirs_run = probe(theirs)
            their_times.append(theirs_run["s"])
            their_modules = theirs_run["modules"]
    return {
        "ours": ours,
        "missing": missing,
        "ours_s": statistics.median(our_times),
        "ours_modules": our_modules,
        "theirs_s": statistics.median(their_times) if their_times else None,
        "theirs_modules": their_modules,
        "runs": runs,
    }


def report(runs: int = 7) -> str:
    m = measure(runs)
    lines = [
        f"Marginal import time after `import airflow`, median of {m['runs']} fresh interpreters each:",
        "",
        f"- ours ({', '.join(m['ours'])}): {1000 * m['ours_s']:.0f} ms, {m['ours_modules']:.0f} new modules",  # type: ignore[operator]
    ]
    if m["missing"]:
        lines.append(f"- not importable yet, so not measured: {', '.join(m['missing'])}")  # type: ignore[arg-type]
    if m["theirs_s"] is None:
        lines.append("- airflow.providers.http.sensors.http: not installed (make bench installs it)")
        return "\n".join(lines)
    ratio = m["ours_s"] / m["theirs_s"]  # type: ignore[operator]
    lines.append(
        f"- Airflow's HttpSensor (airflow.providers.http.sensors.http): {1000 * m['theirs_s']:.0f} ms, "  # type: ignore[operator]
        f"{m['theirs_modules']:.0f} new modules"
    )
    lines.append("")
    lines.append(
        f"    {'PASS' if ratio <= 1 else 'MISS'}  ours cost {ratio:.2f}x the HttpSensor import (goal: <= 1x)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
