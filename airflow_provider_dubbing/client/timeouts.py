"""Awaiting with a time limit without a task per await.

``asyncio.wait_for`` wraps the awaitable in a new task: on a triggerer making thousands
of checks a second that task (and the extra loop turn it costs) was a sixth of the CPU
of a check (BENCHMARKS.md). ``asyncio.timeout`` (Python 3.11+) limits the running task
itself; it also never swallows a cancellation that arrives as the call finishes, which
``wait_for`` can on 3.11. Python 3.10 keeps ``wait_for``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(awaitable: Awaitable[T], seconds: float | None) -> T:
    """Await ``awaitable``, raising ``asyncio.TimeoutError`` after ``seconds`` (None: no limit)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)  # pragma: no cover  # Python 3.10
