"""``python -m airflow_provider_dubbing.emulator`` (console script ``dubbing-emulator``).

Serves both fake APIs until SIGINT or SIGTERM, after printing the URL it listens on.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

from airflow_provider_dubbing.emulator.faults import FAULT_KINDS
from airflow_provider_dubbing.emulator.server import EmulatorServer
from airflow_provider_dubbing.emulator.settings import (
    ENV_BV_ORG,
    ENV_BV_TOKEN,
    ENV_CAMB_KEY,
    ENV_EXPORT_ANSWER,
    ENV_FILE_URL_TTL,
    EXPORT_ANSWERS,
    EmulatorSettings,
)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def build_parser() -> argparse.ArgumentParser:
    """The command line: where to listen, default script lengths, and random faults."""
    parser = argparse.ArgumentParser(
        prog="dubbing-emulator",
        description=(
            "Serve fake CAMB.AI (under /apis) and BlendVision One APIs on a loopback address. "
            f"Credentials come from {ENV_CAMB_KEY}, {ENV_BV_TOKEN} and {ENV_BV_ORG}, "
            "else the defaults emulator-camb-key, emulator-bv-token and emulator-org."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (default 8765)")
    parser.add_argument(
        "--pending-polls", type=int, default=None, help="CAMB.AI PENDING answers before SUCCESS"
    )
    parser.add_argument(
        "--processing-polls", type=int, default=None, help="BlendVision PROCESSING answers before SUCCEEDED"
    )
    parser.add_argument(
        "--export-answer",
        choices=EXPORT_ANSWERS,
        default=None,
        help=(
            "how an export of an unscripted run answers: mix (audio formats output_url, video formats "
            f"task_id), output_url or task_id (default: {ENV_EXPORT_ANSWER}, else mix)"
        ),
    )
    parser.add_argument(
        "--file-url-ttl",
        type=int,
        default=None,
        help=f"seconds a presigned file URL stays valid (default: {ENV_FILE_URL_TTL}, else 3600)",
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of API requests faulted (0..1)")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault draw")
    parser.add_argument(
        "--fault-kinds",
        default=",".join(FAULT_KINDS),
        help=f"comma-separated subset of {','.join(FAULT_KINDS)} (default: all)",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT or SIGTERM; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = EmulatorSettings.from_env(
            pending_polls=args.pending_polls,
            processing_polls=args.processing_polls,
            export_answer=args.export_answer,
            file_url_ttl=args.file_url_ttl,
        )
        server = EmulatorServer(host=args.host, port=args.port, settings=settings)
    except ValueError as exc:
        print(f"dubbing-emulator: {exc}", file=sys.stderr)
        return 2
    kinds = [kind.strip() for kind in args.fault_kinds.split(",") if kind.strip()]

    with _stop_signals() as wait_for_stop:
        # Started after the signals are blocked, so the server thread inherits the mask and
        # SIGINT/SIGTERM are only ever taken by the wait below.
        server.start()
        try:
            server.set_faults(args.fault_rate, seed=args.fault_seed, kinds=kinds)
            print(f"dubbing emulator listening on {server.url}", flush=True)
            wait_for_stop()
        except ValueError as exc:
            print(f"dubbing-emulator: {exc}", file=sys.stderr)
            return 2
        finally:
            server.stop()
    logging.getLogger("airflow_provider_dubbing.emulator").info("dubbing emulator stopped")
    return 0


@contextlib.contextmanager
def _stop_signals() -> Iterator[Callable[[], None]]:
    """Block SIGINT/SIGTERM and give a function that waits for one; unblock on exit.

    ``sigwait`` takes the signal synchronously, so no Python code runs in a signal handler
    (where it could deadlock on a lock the interrupted code holds). Platforms without it
    wait for Ctrl-C instead.
    """
    if not (hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait")):

        def wait_for_interrupt() -> None:
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()

        yield wait_for_interrupt
        return

    def wait_for_signal() -> None:
        signal.sigwait(_STOP_SIGNALS)

    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield wait_for_signal
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


if __name__ == "__main__":
    sys.exit(main())
