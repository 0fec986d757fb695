"""A tiny sampling profiler: where the event loop thread is, every millisecond.

cProfile's per-call overhead inflates the many small calls of an HTTP stack several
times over; sampling the loop thread's stack shows the real shares. Summarised as the
share of samples in which each function is on the stack (inclusive) and on top (self).
"""

from __future__ import annotations

import collections
import sys
import threading
import time
from types import FrameType


class Sampler:
    def __init__(self, interval_s: float = 0.001) -> None:
        self.interval_s = interval_s
        self.target = threading.get_ident()
        self.inclusive: collections.Counter[str] = collections.Counter()
        self.own: collections.Counter[str] = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            frame: FrameType | None = sys._current_frames().get(self.target)
            if frame is None:
                continue
            self.samples += 1
            self.own[_name(frame)] += 1
            seen = set()
            while frame is not None:
                name = _name(frame)
                if name not in seen:
                    seen.add(name)
                    self.inclusive[name] += 1
                frame = frame.f_back

    def summary(self, top: int = 30) -> str:
        lines = [f"{self.samples} samples of the loop thread, every {1000 * self.interval_s:.0f} ms"]
        lines.append("inclusive share, function:")
        for name, count in self.inclusive.most_common(top):
            lines.append(f"  {100 * count / max(self.samples, 1):5.1f}%  {name}")
        lines.append("self share (top of stack), function:")
        for name, count in self.own.most_common(top // 2):
            lines.append(f"  {100 * count / max(self.samples, 1):5.1f}%  {name}")
        return "\n".join(lines)


def _name(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("site-packages/", "lib/python3", "wt-bench/", "/work/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{code.co_name}"


if __name__ == "__main__":  # pragma: no cover
    s = Sampler()
    s.start()
    time.sleep(0.01)
    s.stop()
    print(s.summary())
