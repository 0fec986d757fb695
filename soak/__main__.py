"""``python -m soak`` (``make soak``): the fault-injection soak; prints its figures, writes them
as JSON to ``test-output/soak/``, and exits 1 unless every wait ended as its script says."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from airflow_provider_dubbing.emulator.faults import FAULT_KINDS
from soak.report import figures, passed, table
from soak.run import SoakConfig, run

OUT = Path("test-output/soak")


@contextlib.contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr to ``path`` meanwhile, at the file descriptors.

    Thousands of retry and failed-check warnings are the point of a soak, not news. Airflow 3
    writes its log through structlog and Airflow 2 through logging handlers, each holding
    the stream it was given at start-up, so only swapping the descriptors catches both.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("wb") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def main(argv: list[str] | None = None) -> int:
    defaults = SoakConfig()
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__)
    parser.add_argument("--waits", type=int, default=defaults.waits, help="concurrent deferred waits")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the mix and the faults")
    parser.add_argument(
        "--fault-rate", type=float, default=defaults.fault_rate, help="share of checks faulted"
    )
    parser.add_argument(
        "--fault-kinds", default=",".join(FAULT_KINDS), help=f"a subset of {','.join(FAULT_KINDS)}"
    )
    parser.add_argument("--poke-interval", type=float, default=defaults.poke_interval_s, help="seconds")
    parser.add_argument("--max-wait", type=float, default=defaults.max_wait_s, help="seconds")
    parser.add_argument("--request-timeout", type=float, default=defaults.request_timeout_s, help="seconds")
    parser.add_argument("--slow", type=float, default=defaults.slow_s, help="a slow answer's delay, seconds")
    parser.add_argument(
        "--max-consecutive-failures",
        type=int,
        default=defaults.max_consecutive_failures,
        help="the tolerance",
    )
    parser.add_argument(
        "--max-pending", type=int, default=defaults.max_pending, help="answers before outcome"
    )
    parser.add_argument("--deadline", type=float, default=defaults.deadline_s, help="seconds for every wait")
    parser.add_argument("--out", default=str(OUT), help="where the JSON goes")
    args = parser.parse_args(argv)
    config = SoakConfig(
        waits=args.waits,
        seed=args.seed,
        fault_rate=args.fault_rate,
        fault_kinds=tuple(kind.strip() for kind in args.fault_kinds.split(",") if kind.strip()),
        poke_interval_s=args.poke_interval,
        max_wait_s=args.max_wait,
        request_timeout_s=args.request_timeout,
        slow_s=args.slow,
        max_consecutive_failures=args.max_consecutive_failures,
        max_pending=args.max_pending,
        deadline_s=args.deadline,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"soak-{config.waits}-seed{config.seed}"
    log_path = out / f"{name}.log"
    print(f"soak: {config.waits} waits, seed {config.seed}; the waits' log goes to {log_path}", flush=True)
    with _output_to(log_path):
        results = run(config, os.environ.__setitem__)
    fig = figures(results)
    print(table(fig, results["config"]), flush=True)
    (out / f"{name}.json").write_text(json.dumps({"figures": fig, **results}, indent=1, default=str))
    return 0 if passed(fig) else 1


if __name__ == "__main__":
    sys.exit(main())
