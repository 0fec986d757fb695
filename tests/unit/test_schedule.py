"""The wait schedule every mode shares: waits, jitter, cap, bounds, and finding one's place
from elapsed time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_provider_dubbing.waiting.schedule import WaitSchedule, seconds


@pytest.mark.parametrize(
    ("schedule", "waits"),
    [
        (WaitSchedule(), [5, 10, 20, 40, 80, 120, 120]),
        (WaitSchedule(2, max_poll_interval_s=10), [2, 4, 8, 10, 10, 10, 10]),
        (WaitSchedule(3, exponential_backoff=False), [3] * 7),
        (WaitSchedule(1, max_poll_interval_s=None), [1, 2, 4, 8, 16, 32, 64]),
        (WaitSchedule(0), [0] * 7),
    ],
    ids=["advised", "capped", "fixed", "uncapped", "zero"],
)
def test_nominal_waits(schedule: WaitSchedule, waits: list[float]) -> None:
    assert [schedule.nominal_s(n) for n in range(1, 8)] == waits


def test_jitter_only_shortens_and_never_below_its_share() -> None:
    schedule = WaitSchedule(5, jitter=0.2)
    assert schedule.delay_s(3, rand=lambda: 0.0) == 20
    assert schedule.delay_s(3, rand=lambda: 1.0) == pytest.approx(16)
    assert WaitSchedule(5, exponential_backoff=False, jitter=0.2).delay_s(3, rand=lambda: 1.0) == 5


def test_a_very_long_wait_does_not_overflow() -> None:
    assert WaitSchedule(5, max_poll_interval_s=None).nominal_s(10_000) == 5 * 2**60


@pytest.mark.parametrize(
    ("elapsed", "checks"),
    [(0, 1), (4.9, 1), (5, 2), (14.9, 2), (15, 3), (35, 4), (75, 5), (155, 6), (275, 7), (395, 8)],
)
def test_checks_made_after_elapsed_time(elapsed: float, checks: int) -> None:
    assert WaitSchedule().checks_made_after(elapsed) == checks


@pytest.mark.parametrize(
    "kwargs",
    [
        {"poll_interval_s": -1},
        {"poll_interval_s": float("nan")},
        {"max_poll_interval_s": -1},
        {"wait_timeout_s": -1},
        {"max_consecutive_failures": 0},
        {"jitter": 1.5},
    ],
)
def test_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        WaitSchedule(**kwargs)  # type: ignore[arg-type]


def test_it_travels_whole_as_json_and_back() -> None:
    schedule = WaitSchedule(2, False, None, 90.0, 3, 0.0)
    assert WaitSchedule.of(schedule.to_kwargs()) == schedule
    assert WaitSchedule.of(schedule) is schedule
    assert WaitSchedule.of(None) == WaitSchedule()


@pytest.mark.parametrize(("value", "expected"), [(None, None), (5, 5.0), (timedelta(minutes=2), 120.0)])
def test_seconds_reads_numbers_and_timedeltas(
    value: timedelta | float | None, expected: float | None
) -> None:
    assert seconds(value, "x") == expected


@pytest.mark.parametrize("value", [0, -1, timedelta(0)])
def test_seconds_refuses_what_is_not_positive_naming_the_argument(value: timedelta | float) -> None:
    with pytest.raises(ValueError, match="wait_timeout_s must be positive"):
        seconds(value, "wait_timeout_s")
