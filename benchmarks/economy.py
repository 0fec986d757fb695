"""Request economy: API requests per job and how late the task notices the end, by job length.

Computed from the schedule the sensors and triggers really use
(:class:`~airflow_provider_dubbing.waiting.schedule.WaitSchedule` with the sensors' defaults:
first wait 5 s, doubling, capped at 2 minutes), against Airflow's fixed 5-second poke.
The first check is at the start (``execute`` checks once before deferring). Jitter only
shortens waits (by up to 10 %), so with nominal waits the requests are a lower bound and
the delays an upper bound.
"""

from __future__ import annotations

from airflow_provider_dubbing.waiting.schedule import WaitSchedule

JOBS = (("1 minute", 60.0), ("10 minutes", 600.0), ("1 hour", 3600.0))


def check_times(schedule: WaitSchedule, until_s: float) -> list[float]:
    """When the checks happen, from 0 until the first one at or after ``until_s``."""
    times, now, checks = [0.0], 0.0, 1
    while now < until_s:
        now += schedule.nominal_s(checks)
        checks += 1
        times.append(now)
    return times


def economy(schedule: WaitSchedule, job_s: float) -> tuple[int, float, float]:
    """(requests, delay for a job of exactly ``job_s``, worst delay for a job ending within that wait)."""
    times = check_times(schedule, job_s)
    return len(times), times[-1] - job_s, times[-1] - times[-2]


def table() -> str:
    ours = WaitSchedule()  # the sensors' defaults
    fixed = WaitSchedule(poll_interval_s=5.0, exponential_backoff=False)
    lines = [
        "| job length | ours: requests | ours: delay at exactly that length / worst nearby | "
        "fixed 5 s poke: requests | fixed 5 s: worst delay |",
        "|---|---|---|---|---|",
    ]
    for label, job_s in JOBS:
        our_requests, our_delay, our_worst = economy(ours, job_s)
        fixed_requests, _, fixed_worst = economy(fixed, job_s)
        lines.append(
            f"| {label} | {our_requests} | {our_delay:.0f} s / {our_worst:.0f} s "
            f"| {fixed_requests} | {fixed_worst:.0f} s |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
