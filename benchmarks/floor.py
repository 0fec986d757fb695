"""The floor: the same status poll on raw asyncio streams over a small keep-alive pool.

No HTTP library, no retries, no models: a request line, a header block, a
``Content-Length`` body and ``json.loads``. Only correct for the emulator's plain
HTTP/1.1 answers; it exists to show what one poll costs at the least.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class StreamPool:
    """Up to ``size`` keep-alive connections to one host; a poll waits for a free one."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port = host, port
        self.free: asyncio.LifoQueue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = (
            asyncio.LifoQueue()
        )
        for _ in range(size):
            self.free.put_nowait(None)  # a slot not yet connected

    async def get_json(self, path: str, headers: str) -> Any:
        conn = await self.free.get()
        try:
            if conn is None:
                conn = await asyncio.open_connection(self.host, self.port)
            reader, writer = conn
            writer.write(f"GET {path} HTTP/1.1\r\nhost: {self.host}\r\n{headers}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
        except BaseException:
            self.free.put_nowait(None)
            if conn is not None:
                conn[1].close()
            raise
        self.free.put_nowait(conn)
        if status != 200:
            raise RuntimeError(f"status {status}")
        return json.loads(body)


async def floor_wait(pool: StreamPool, task_id: str, key: str, interval_s: float) -> None:
    """Poll one export forever, every ``interval_s`` seconds, as the triggers do."""
    path = f"/apis/dub-alt-format/{task_id}"
    headers = f"accept: application/json\r\nx-api-key: {key}\r\n"
    while True:
        await asyncio.sleep(interval_s)
        answer = await pool.get_json(path, headers)
        if answer["status"] != "PENDING":
            return
