"""``python -m benchmarks`` (``make bench``): run every design at every N, print the table and the goals.

Each measurement is a fresh poller process against a fresh emulator process (see
:mod:`benchmarks.poller`); rounds interleave the designs so a slow moment of the machine
hits all of them alike, and every figure is the median over the rounds. Results land in
``test-output/bench/`` (JSON and the Markdown table BENCHMARKS.md quotes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import economy, import_cost, plot
from benchmarks.server import emulator_process

OURS = ("camb", "blendvision")
ANCHOR = "http-anchor"
POOL_SIZE = 10  # airflow_provider_dubbing.client.pool.ASYNC_MAX_CONNECTIONS, per service
OUT = Path("test-output/bench")


def interval_for(count: int, rate: float) -> float:
    """The poke interval that offers ``rate`` polls a second from ``count`` waits."""
    return max(0.1, count / rate)


def measure(design: str, count: int, interval_s: float, window_s: float) -> dict[str, Any]:
    """One poller process of ``design`` against a fresh emulator process."""
    with emulator_process() as port:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.poller",
                design,
                str(count),
                str(interval_s),
                str(window_s),
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"design"')]
    if done.returncode != 0 or not lines:
        return {"design": design, "n": count, "failed": done.stderr[-2000:]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def derived(result: dict[str, Any]) -> dict[str, Any]:
    """The table's figures from one measurement."""
    polls = result["requests"]
    expected = result["n"] * result["window_s"] / result["interval_s"]
    return {
        "cpu_ms_per_poll": 1000.0 * result["cpu_s"] / polls if polls else float("inf"),
        "kib_per_wait": result["rss_per_wait_bytes"] / 1024.0,
        "connections": result["connections_total"],
        "polls_share": polls / expected if expected else 0.0,
        "late_p50_ms": 1000.0 * (result["late_p50_s"] or 0.0),
        "late_p99_ms": 1000.0 * (result["late_p99_s"] or 0.0),
        "late_max_ms": 1000.0 * (result["late_max_s"] or 0.0),
        "polls": polls,
        "ended": result["ended"],
    }


def median_of(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def run(
    designs: list[str], counts: list[int], rounds: int, rate: float, min_window_s: float
) -> dict[str, Any]:
    results: dict[str, dict[str, list[dict[str, Any]]]] = {str(n): {d: [] for d in designs} for n in counts}
    for round_no in range(rounds):
        for count in counts:
            interval_s = interval_for(count, rate)
            window_s = max(min_window_s, 2 * interval_s)
            for design in designs:
                started = time.monotonic()
                result = measure(design, count, interval_s, window_s)
                if "failed" in result:
                    print(
                        f"  round {round_no + 1} N={count} {design}: FAILED\n{result['failed']}", flush=True
                    )
                    continue
                row = {**result, **derived(result)}
                results[str(count)][design].append(row)
                print(
                    f"  round {round_no + 1} N={count:<5} {design:22s} {row['cpu_ms_per_poll']:7.3f} ms/poll "
                    f"{row['kib_per_wait']:6.1f} KiB {row['connections']:6d} conns "
                    f"p99 late {row['late_p99_ms']:7.1f} ms  ({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
    return {"rate": rate, "rounds": rounds, "results": results}


def table(data: dict[str, Any]) -> str:
    lines = [
        "| N | design | CPU ms per poll (= s per 1,000 polls) | vs anchor | RSS KiB per wait | "
        "TCP connections opened | polls made / scheduled | late p50 / p99 / max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for count, by_design in data["results"].items():
        anchor = by_design.get(ANCHOR) or []
        for design, rows in by_design.items():
            if not rows:
                lines.append(f"| {count} | {design} | failed | | | | | |")
                continue
            cpu = median_of(rows, "cpu_ms_per_poll")
            ratio = f"{cpu / median_of(anchor, 'cpu_ms_per_poll'):.2f}" if anchor else "n/a"
            lines.append(
                f"| {count} | {design} | {cpu:.3f} | {ratio} | {median_of(rows, 'kib_per_wait'):.1f} | "
                f"{median_of(rows, 'connections'):.0f} | {median_of(rows, 'polls_share'):.2f} | "
                f"{median_of(rows, 'late_p50_ms'):.1f} / {median_of(rows, 'late_p99_ms'):.1f} / "
                f"{median_of(rows, 'late_max_ms'):.1f} |"
            )
    return "\n".join(lines)


def goals(data: dict[str, Any]) -> list[str]:
    """The issue's goal lines, each with pass or miss."""
    out: list[str] = []
    results = data["results"]
    for count in ("1000", "5000"):
        by_design = results.get(count)
        if not by_design or not by_design.get(ANCHOR):
            continue
        anchor_cpu = median_of(by_design[ANCHOR], "cpu_ms_per_poll")
        for design in OURS:
            rows = by_design.get(design)
            if not rows:
                continue
            cpu = median_of(rows, "cpu_ms_per_poll")
            out.append(
                f"{_verdict(cpu <= anchor_cpu / 3)}  N={count} {design}: CPU per 1,000 polls {cpu:.3f} s "
                f"<= 1/3 of the anchor's {anchor_cpu:.3f} s ({cpu / anchor_cpu:.2f}x)"
            )
    # Memory per wait only at N >= 1,000: at N = 100 the process's one-off costs of the
    # first poll (the client, lazily imported modules) dominate the per-wait figure.
    for count, by_design in results.items():
        if int(count) < 1000:
            continue
        for design in OURS:
            rows = by_design.get(design)
            if not rows:
                continue
            kib = median_of(rows, "kib_per_wait")
            conns = max(row["connections"] for row in rows)
            out.append(
                f"{_verdict(kib <= 15)}  N={count} {design}: {kib:.1f} KiB per waiting trigger <= 15 KiB"
            )
            out.append(
                f"{_verdict(conns <= POOL_SIZE)}  N={count} {design}: {conns} TCP connections opened "
                f"<= the pool's {POOL_SIZE}"
            )
    five = results.get("5000", {})
    for design in OURS:
        rows = five.get(design)
        if not rows:
            continue
        share = median_of(rows, "polls_share")
        p99 = median_of(rows, "late_p99_ms")
        interval_ms = 1000.0 * rows[0]["interval_s"]
        ok = share >= 0.95 and p99 <= 0.1 * interval_ms
        out.append(
            f"{_verdict(ok)}  N=5000 {design}: keeps its schedule on this machine: {share:.0%} of the "
            f"scheduled polls made (>= 95%), p99 lateness {p99:.0f} ms "
            f"(<= 10% of the {interval_ms:.0f} ms interval)"
        )
    return out


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--n", default="100,1000,5000", help="concurrent waits, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each design, medians reported")
    parser.add_argument(
        "--designs",
        default="camb,blendvision,http-anchor,floor",
        help="camb, blendvision, http-anchor, floor, camb@httpx-pool, camb@httpx-gated, camb@httpx-aiohttp",
    )
    parser.add_argument(
        "--rate", type=float, default=500.0, help="polls a second offered (sets the interval)"
    )
    parser.add_argument("--min-window", type=float, default=4.0, help="shortest measurement window, s")
    parser.add_argument("--skip-import", action="store_true", help="skip the DAG-parse import cost")
    parser.add_argument("--out", default=str(OUT), help="where the JSON and Markdown results go")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    designs = [d.strip() for d in args.designs.split(",") if d.strip()]
    counts = [int(n) for n in args.n.split(",")]
    print(
        f"measuring {', '.join(designs)} at N = {', '.join(map(str, counts))}, {args.rounds} rounds",
        flush=True,
    )
    data = run(designs, counts, args.rounds, args.rate, args.min_window)
    report = ["## Triggerer load", "", table(data), "", "Goals:", "", *[f"    {g}" for g in goals(data)]]
    report += ["", "## Request economy (default sensor settings)", "", economy.table()]
    if not args.skip_import:
        report += ["", "## DAG-parse import cost", "", import_cost.report()]
    text = "\n".join(report)
    print("\n" + text)
    (out / "results.json").write_text(json.dumps(data, indent=1))
    (out / "report.md").write_text(text + "\n")
    try:
        print(f"plot: {plot.draw(data, out / 'plot.png')}")
    except ImportError:  # matplotlib is the benchmark's own extra; the table stands without it
        print("no plot: matplotlib is not installed (make bench installs it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
