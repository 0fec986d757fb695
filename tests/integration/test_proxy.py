"""A host whose only way out is an HTTP proxy: the hooks' sync calls and their async twins (the
triggerer's waits) both go through ``HTTP_PROXY``, and ``NO_PROXY`` sends them direct.

The proxy is a real forward proxy on 127.0.0.1 (the standard library's HTTP server) in front
of the emulator; it counts what it forwarded.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from airflow_provider_dubbing.client import pool
from airflow_provider_dubbing.hooks.camb import CambHook

# Sent straight on to the emulator, whatever the test's environment says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ForwardProxy(BaseHTTPRequestHandler):
    """Forwards an absolute-form request (what a client sends a proxy) and counts it."""

    forwarded: list[str] = []

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection")}
        request = urllib.request.Request(self.path, data=body, headers=headers, method=self.command)
        try:
            with _DIRECT.open(request, timeout=10) as answer:
                status, payload, kind = answer.status, answer.read(), answer.headers.get("Content-Type")
        except urllib.error.HTTPError as exc:
            status, payload, kind = exc.code, exc.read(), exc.headers.get("Content-Type")
        type(self).forwarded.append(f"{self.command} {self.path}")
        self.send_response(status)
        self.send_header("Content-Type", kind or "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    ForwardProxy.forwarded = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ForwardProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("bypass", [False, True], ids=["through the proxy", "NO_PROXY"])
def test_both_paths_honour_the_environments_proxy(
    connections: Any, via: Any, proxy: str, bypass: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    connections.script_camb_task("proxied-task", pending_polls=1)
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    if bypass:
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    # The process's shared sync clients were made before the environment changed; the async
    # ones are made per event loop, so each asyncio.run reads the environment afresh.
    clients: dict[str, Any] = {}
    monkeypatch.setattr(pool, "_sync_clients", clients)
    try:
        progress = via(CambHook(), "get_alt_format_status", "proxied-task")
    finally:
        for client in clients.values():
            client.close()

    assert progress.status.value == "PENDING"
    through = [line for line in ForwardProxy.forwarded if "proxied-task" in line]
    assert len(through) == (0 if bypass else 1), ForwardProxy.forwarded
