"""``EmulatorServer``: both fake APIs on one loopback port, served from a background thread.

Every in-process helper runs on the server's own event loop, so state is touched from one thread only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ipaddress
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from airflow_provider_dubbing.emulator.app import build_app
from airflow_provider_dubbing.emulator.settings import EmulatorSettings
from airflow_provider_dubbing.emulator.state import EmulatorState, utc_now

T = TypeVar("T")

_UNSET: Any = object()
_STARTUP_TIMEOUT_S = 30.0
# How long stop() lets in-flight requests (a "slow" fault, say) finish before cancelling them.
_SHUTDOWN_TIMEOUT_S = 1.0
# Benchmarks open thousands of connections at once; the default backlog of 128 would refuse some.
_BACKLOG = 4096


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EmulatorServer:
    """Both fake APIs and the admin API on ``host:port``, in a background thread.

    :param host: a loopback address; the emulator refuses to listen anywhere else.
    :param port: the port, or 0 for any free one (read it back from :attr:`port`).
    :param settings: credentials and default script lengths; defaults when omitted.

    Use as a context manager or call :meth:`start` and :meth:`stop`. The helper methods
    (``script_*``, ``set_faults``, ``queue_faults``, ``stats``, ``reset``) do what the admin
    routes do, in process; they raise ``ValueError`` for a script or fault setting they
    cannot use. :meth:`set_clock` replaces the clock presigned file URLs are dated by.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, settings: EmulatorSettings | None = None
    ) -> None:
        if not _is_loopback(host):
            raise ValueError(f"the emulator listens on loopback addresses only, not {host!r}")
        self.host = host
        self._requested_port = port
        self.settings = settings or EmulatorSettings()
        self._state = EmulatorState(self.settings)
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # Lifecycle.

    def start(self) -> EmulatorServer:
        """Start serving; returns once the socket is listening. Raises if it cannot listen."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already started")
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._thread_main, name="dubbing-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(_STARTUP_TIMEOUT_S):
            raise RuntimeError("the emulator did not start listening in time")
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError(f"the emulator could not start: {self._error}") from self._error
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end. Safe to call twice."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            # The loop may close between the check and the call; then it is stopped anyway.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        thread.join()
        self._thread = self._loop = self._stopping = None
        self._port = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._port is not None

    @property
    def port(self) -> int:
        """The port the server listens on (the real one when started with port 0)."""
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port``, with no trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def camb_base_url(self) -> str:
        """The base URL a CAMB.AI client uses: :attr:`url` plus ``/apis``."""
        return f"{self.url}/apis"

    @property
    def blendvision_base_url(self) -> str:
        """The base URL a BlendVision One client uses: :attr:`url` itself."""
        return self.url

    @property
    def admin_url(self) -> str:
        """The admin API's base URL: :attr:`url` plus ``/_emulator``."""
        return f"{self.url}/_emulator"

    @property
    def state(self) -> EmulatorState:
        """The emulator's memory; touch it only through :meth:`call_in_loop` while running."""
        return self._state

    # In-process admin helpers: the same changes as the admin routes.

    def script_camb_task(
        self,
        task_id: str,
        steps: Sequence[Mapping[str, Any]] | None = None,
        *,
        run_id: int | None = None,
        pending_polls: int | None = None,
        outcome: str | None = None,
        exception_reason: str | None = None,
        message: Any = _UNSET,
    ) -> None:
        """Create or replace CAMB.AI export task ``task_id`` (as ``PUT /_emulator/camb/tasks/{id}``).

        :param steps: the answers, one per poll: dicts with ``status`` and any of ``run_id``,
            ``exception_reason``, ``message``, ``bare``, ``raw``. Or use the shorthand:
        :param pending_polls: PENDING answers before ``outcome``.
        :param outcome: the final status (SUCCESS when omitted).
        """
        body = _body(
            message=message,
            steps=steps,
            run_id=run_id,
            pending_polls=pending_polls,
            outcome=outcome,
            exception_reason=exception_reason,
        )
        self.call_in_loop(lambda: self._state.script_camb_task(task_id, body))

    def script_camb_run(
        self,
        run_id: int,
        steps: Sequence[Mapping[str, Any]] | None = None,
        *,
        pending_polls: int | None = None,
        outcome: str | None = None,
        exception_reason: str | None = None,
        message: Any = _UNSET,
        answer: str | None = None,
    ) -> None:
        """Script every export created later from run ``run_id`` (``PUT /_emulator/camb/runs/{id}``).

        :param answer: ``"task_id"`` (the default: poll through the script) or ``"output_url"``
            (the file is ready at once; the script is not used).
        """
        body = _body(
            message=message,
            steps=steps,
            pending_polls=pending_polls,
            outcome=outcome,
            exception_reason=exception_reason,
            answer=answer,
        )
        self.call_in_loop(lambda: self._state.script_camb_run(run_id, body))

    def script_camb_dub(
        self,
        task_id: str,
        steps: Sequence[Mapping[str, Any]] | None = None,
        *,
        run_id: int | None = None,
        target_languages: Sequence[int | str] | None = None,
        video_url: str | None = None,
        pending_polls: int | None = None,
        outcome: str | None = None,
        exception_reason: str | None = None,
        message: Any = _UNSET,
        result_shape: str | None = None,
        spelling: str | None = None,
    ) -> None:
        """Create or replace CAMB.AI dubbing task ``task_id`` (as ``PUT /_emulator/camb/dubs/{id}``).

        Steps and shorthand as :meth:`script_camb_task`. The task finishes as run ``run_id``
        (a new id when omitted) dubbed into ``target_languages`` (``[54]`` when omitted);
        ``result_shape`` (``flat`` | ``per_language``) and ``spelling`` (``reference`` | ``sdk``)
        force the look of that run's ``dub-result``.
        """
        body = _body(
            message=message,
            steps=steps,
            run_id=run_id,
            target_languages=None if target_languages is None else list(target_languages),
            video_url=video_url,
            pending_polls=pending_polls,
            outcome=outcome,
            exception_reason=exception_reason,
            result_shape=result_shape,
            spelling=spelling,
        )
        self.call_in_loop(lambda: self._state.script_camb_dub(task_id, body))

    def script_camb_video(
        self,
        video_url: str,
        steps: Sequence[Mapping[str, Any]] | None = None,
        *,
        pending_polls: int | None = None,
        outcome: str | None = None,
        exception_reason: str | None = None,
        message: Any = _UNSET,
        result_shape: str | None = None,
        spelling: str | None = None,
    ) -> None:
        """Script every dub created later from ``video_url`` (as ``PUT /_emulator/camb/videos``)."""
        body = _body(
            message=message,
            video_url=video_url,
            steps=steps,
            pending_polls=pending_polls,
            outcome=outcome,
            exception_reason=exception_reason,
            result_shape=result_shape,
            spelling=spelling,
        )
        self.call_in_loop(lambda: self._state.script_camb_video(body))

    def script_camb_result(
        self, run_id: int, *, result_shape: str | None = None, spelling: str | None = None
    ) -> None:
        """Force the look of run ``run_id``'s ``dub-result`` (as ``PUT /_emulator/camb/results/{id}``)."""
        body = _body(result_shape=result_shape, spelling=spelling)
        self.call_in_loop(lambda: self._state.script_camb_result(run_id, body))

    def script_blendvision_job(
        self,
        job_id: str,
        steps: Sequence[Mapping[str, Any]] | None = None,
        *,
        job: Mapping[str, Any] | None = None,
        processing_polls: int | None = None,
        outcome: str | None = None,
        error_infos: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Create or replace dubbing job ``job_id`` (as ``PUT /_emulator/blendvision/jobs/{id}``).

        :param steps: partial ``dubbing_job`` dicts merged onto the job, one per poll.
        :param job: fields laid over the job's plausible defaults.
        :param processing_polls: shorthand: PROCESSING answers between CREATED and ``outcome``.
        :param outcome: shorthand: the final status (SUCCEEDED when omitted).
        :param error_infos: shorthand: the final step's ``error_infos``.
        """
        body = _body(
            steps=steps,
            job=dict(job) if job is not None else None,
            processing_polls=processing_polls,
            outcome=outcome,
            error_infos=error_infos,
        )
        self.call_in_loop(lambda: self._state.script_blendvision_job(job_id, body))

    def script_blendvision_source(
        self,
        source_id: str,
        steps: Sequence[Mapping[str, Any]] | None = None,
        *,
        processing_polls: int | None = None,
        outcome: str | None = None,
        error_infos: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Script every job created later from ``source_id`` (``PUT .../blendvision/sources/{id}``)."""
        body = _body(steps=steps, processing_polls=processing_polls, outcome=outcome, error_infos=error_infos)
        self.call_in_loop(lambda: self._state.script_blendvision_source(source_id, body))

    def set_faults(
        self,
        rate: float = 0.0,
        *,
        seed: int = 0,
        kinds: Iterable[str] | None = None,
        retry_after: float = 1.0,
        slow_seconds: float = 5.0,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Fault a share ``rate`` of API requests (of ``methods`` only, when given), drawn from
        ``kinds`` (all when omitted) with ``seed``."""
        chosen = None if kinds is None else list(kinds)
        only = None if methods is None else list(methods)
        self.call_in_loop(
            lambda: self._state.faults.configure(rate, seed, chosen, retry_after, slow_seconds, only)
        )

    def queue_faults(
        self, kinds: Iterable[str], *, retry_after: float | None = None, slow_seconds: float | None = None
    ) -> None:
        """Fault the next API requests with ``kinds``, one each, in order (replaces the queue)."""
        chosen = list(kinds)
        self.call_in_loop(lambda: self._state.faults.enqueue(chosen, retry_after, slow_seconds))

    def set_clock(self, now: Callable[[], datetime] | None) -> None:
        """Date and check presigned file URLs by ``now()`` (an aware UTC datetime) instead of the
        real clock; ``None`` (or :meth:`reset`) restores the real one."""
        clock = utc_now if now is None else now

        def install() -> None:
            self._state.now = clock

        self.call_in_loop(install)

    def stats(self) -> dict[str, Any]:
        """The counters, as ``GET /_emulator/stats`` answers them."""
        return self.call_in_loop(self._state.stats.snapshot)

    def reset(self) -> None:
        """Forget every task, run, job, file, script, fault and counter, and restore the real clock
        (as ``POST /_emulator/reset``)."""
        self.call_in_loop(self._state.reset)

    def call_in_loop(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the server's loop and return its result (directly when not running)."""
        loop = self._loop
        if loop is None or not self.running or threading.current_thread() is self._thread:
            return function()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(function())
            except BaseException as exc:  # handed to the calling thread, which re-raises it
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout=_STARTUP_TIMEOUT_S)

    # The thread.

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(), which re-raises it in the caller
            self._error = exc
        finally:
            self._port = None
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        runner = web.AppRunner(
            build_app(self._state),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=_SHUTDOWN_TIMEOUT_S,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port, backlog=_BACKLOG)
            await site.start()
            self._port = int(runner.addresses[0][1])
            self._ready.set()
            await self._stopping.wait()
        finally:
            await runner.cleanup()


def _body(*, message: Any = _UNSET, **fields: Any) -> dict[str, Any]:
    """An admin body from keyword arguments, leaving out those not given (a ``message`` of
    None is given: it scripts a null message)."""
    body = {key: value for key, value in fields.items() if value is not None}
    if message is not _UNSET:
        body["message"] = message
    for key in ("steps", "error_infos"):
        if key in body and not isinstance(body[key], (str, bytes)):
            body[key] = list(body[key])
    return body
