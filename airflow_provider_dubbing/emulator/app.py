"""The aiohttp application: one handler that routes, applies faults, checks credentials and logs.

A fault replaces the real handling (a faulted poll does not advance its script); ``slow`` answers late.
The admin API (``/_emulator``) and the file host (``/_files``) are answered directly: no credentials,
no faults, not counted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from urllib.parse import unquote

from aiohttp import web

from airflow_provider_dubbing.emulator import admin_routes, blendvision_routes, camb_routes, files
from airflow_provider_dubbing.emulator.faults import Fault
from airflow_provider_dubbing.emulator.routing import Answer, Api, Call, Resolution, Router, raw_segments
from airflow_provider_dubbing.emulator.state import EmulatorState

logger = logging.getLogger("airflow_provider_dubbing.emulator")

ROUTER = Router((*camb_routes.ROUTES, *blendvision_routes.ROUTES, *admin_routes.ROUTES))

BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
# What a captive portal or a single-sign-on proxy answers in place of the API.
SIGN_IN_HTML = (
    "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
    '<body><h1>Sign in to continue</h1><form method="post"><input name="user"></form></body></html>\n'
)
_FAULT_MESSAGES = {
    429: "Too many requests, slow down",
    500: "Internal server error",
    503: "Service temporarily unavailable",
}


class Dispatcher:
    """The single aiohttp handler behind every path."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request: admin directly; API requests through faults and credentials."""
        raw_path = request.raw_path.partition("?")[0]
        segments = raw_segments(raw_path)
        first = unquote(segments[0]) if segments else ""
        if first == files.PREFIX.lstrip("/"):
            served = files.serve(request.method, raw_path, request.query, self.state.now())
            logger.debug("files %s %s -> %d", request.method, raw_path, served.status)
            return web.Response(
                status=served.status,
                body=served.body,
                content_type=served.content_type,
                headers=served.headers,
            )
        resolution = ROUTER.resolve(request.method, segments)
        call = Call(
            method=request.method,
            path=raw_path,
            params=resolution.params,
            query=request.query,
            headers=request.headers,
            body=await request.read(),
            state=self.state,
            origin=f"{request.scheme}://{request.host}",
        )
        if first == admin_routes.PREFIX.lstrip("/"):
            answer = _serve(resolution, call, admin_routes.ADMIN)
            logger.debug("admin %s %s -> %d", request.method, raw_path, answer.status)
            return _response(answer)

        api = blendvision_routes.BLENDVISION if first == "bv" else camb_routes.CAMB
        stats = self.state.stats
        stats.requests += 1
        stats.by_route[resolution.route.label if resolution.route else f"{request.method} (unmatched)"] += 1
        fault = self.state.faults.draw(request.method)
        response: web.StreamResponse
        if fault is None:
            response = _response(_serve(resolution, call, api))
        else:
            stats.faults[fault.kind] += 1
            response = await self._faulted(fault, request, resolution, call, api)
        logger.info(
            "%s %s %s -> %s%s",
            api.name,
            request.method,
            raw_path,
            "dropped" if fault and fault.kind == "drop" else response.status,
            f" fault={fault.kind}" if fault else "",
        )
        return response

    async def _faulted(
        self, fault: Fault, request: web.Request, resolution: Resolution, call: Call, api: Api
    ) -> web.StreamResponse:
        kind = fault.kind
        if kind == "slow":
            await asyncio.sleep(fault.slow_seconds)
            return _response(_serve(resolution, call, api))
        if kind == "truncate":
            # The body the request would have had, computed without taking effect.
            body = _serve(resolution, dataclasses.replace(call, commit=False), api).body()
            return web.Response(status=200, body=body[: len(body) // 2], content_type="application/json")
        if kind == "drop":
            if request.transport is not None:
                request.transport.close()
            # Never sent: the connection is already closing.
            return web.Response()
        if kind == "502_html":
            return web.Response(status=502, text=BAD_GATEWAY_HTML, content_type="text/html")
        if kind == "html200":
            return web.Response(status=200, text=SIGN_IN_HTML, content_type="text/html")
        status = int(kind)
        answer = api.error(status, _FAULT_MESSAGES[status])
        if status == 429:
            answer = dataclasses.replace(answer, headers={"Retry-After": _seconds_header(fault.retry_after)})
        return _response(answer)


def build_app(state: EmulatorState) -> web.Application:
    """The aiohttp application serving both fake APIs and the admin API from ``state``."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", Dispatcher(state).handle)
    return app


def _serve(resolution: Resolution, call: Call, api: Api) -> Answer:
    route = resolution.route
    if route is None:
        if resolution.allowed:
            answer = api.error(405, "Method Not Allowed")
            return dataclasses.replace(answer, headers={"Allow": ", ".join(resolution.allowed)})
        return api.error(404, "Not Found")
    if route.api is not None:
        denied = route.api.authenticate(call)
        if denied is not None:
            return denied
    return route.handler(call)


def _response(answer: Answer) -> web.Response:
    return web.Response(
        status=answer.status, body=answer.body(), content_type="application/json", headers=answer.headers
    )


def _seconds_header(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)
