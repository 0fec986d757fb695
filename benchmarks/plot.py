"""The benchmark's figures as a picture: CPU per poll and memory per waiting trigger against N.

``python -m benchmarks`` draws it into its output folder (``plot.png``) when matplotlib is
installed (``make bench`` installs it); ``python -m benchmarks.plot RESULTS.json OUT.png``
draws it again from a saved ``results.json``. ``BENCHMARKS.png`` beside BENCHMARKS.md is the
last run's, copied there by hand with the figures it shows.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

# One look per design, the same in both panels; ours solid, the others dashed.
STYLE = {
    "camb": ("tab:blue", "-", "o"),
    "blendvision": ("tab:green", "-", "s"),
    "http-anchor": ("tab:red", "--", "^"),
    "floor": ("tab:gray", ":", "v"),
}


def series(data: dict[str, Any], key: str) -> dict[str, tuple[list[int], list[float]]]:
    """Per design, the sizes N and the median of ``key`` over the rounds at each."""
    found: dict[str, tuple[list[int], list[float]]] = {}
    for count in sorted(data["results"], key=int):
        for design, rows in data["results"][count].items():
            values = [row[key] for row in rows if row.get(key) is not None]
            if values:
                xs, ys = found.setdefault(design, ([], []))
                xs.append(int(count))
                ys.append(statistics.median(values))
    return found


def draw(data: dict[str, Any], target: Path) -> Path:
    """Draw both panels from ``results.json``'s data into ``target`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a CI box or a triggerer host
    from matplotlib import pyplot as plt

    figure, (cpu, memory) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    panels = [
        (cpu, "cpu_ms_per_poll", "CPU per poll, ms (= s per 1,000 polls)"),
        (memory, "kib_per_wait", "resident memory per waiting trigger, KiB"),
    ]
    for axes, key, label in panels:
        for design, (xs, ys) in series(data, key).items():
            color, line, marker = STYLE.get(design, ("tab:purple", "-.", "x"))
            axes.plot(xs, ys, color=color, linestyle=line, marker=marker, label=design)
        axes.set_xscale("log")
        axes.set_xlabel("concurrent waits N (one triggerer process)")
        axes.set_ylabel(label)
        axes.set_ylim(bottom=0)
        axes.grid(True, which="both", alpha=0.3)
    cpu.legend()
    figure.suptitle(
        f"{data['rate']:.0f} polls a second offered at every N; medians of {data['rounds']} round(s)"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else Path("test-output/bench/results.json")
    target = Path(argv[1]) if len(argv) > 1 else source.with_name("plot.png")
    print(draw(json.loads(source.read_text()), target))


if __name__ == "__main__":
    main(sys.argv[1:])
