"""The poll schedule every mode shares: waits, jitter, cap, and finding one's place from elapsed time."""

from __future__ import annotations

import pytest

from airflow_provider_dubbing.client.polling import PollSchedule


@pytest.mark.parametrize(
    ("schedule", "waits"),
    [
        (PollSchedule(), [5, 10, 20, 40, 80, 120, 120]),
        (PollSchedule(2, max_interval_s=10), [2, 4, 8, 10, 10, 10, 10]),
        (PollSchedule(3, exponential=False), [3] * 7),
        (PollSchedule(1, max_interval_s=None), [1, 2, 4, 8, 16, 32, 64]),
        (PollSchedule(0), [0] * 7),
    ],
    ids=["advised", "capped", "fixed", "uncapped", "zero"],
)
def test_nominal_waits(schedule: PollSchedule, waits: list[float]) -> None:
    assert [schedule.nominal_s(n) for n in range(1, 8)] == waits


def test_jitter_only_shortens_and_never_below_its_share() -> None:
    schedule = PollSchedule(5, jitter=0.2)
    assert schedule.delay_s(3, rand=lambda: 0.0) == 20
    assert schedule.delay_s(3, rand=lambda: 1.0) == pytest.approx(16)
    assert PollSchedule(5, exponential=False, jitter=0.2).delay_s(3, rand=lambda: 1.0) == 5


def test_a_very_long_wait_does_not_overflow() -> None:
    assert PollSchedule(5, max_interval_s=None).nominal_s(10_000) == 5 * 2**60


@pytest.mark.parametrize(
    ("elapsed", "checks"),
    [(0, 1), (4.9, 1), (5, 2), (14.9, 2), (15, 3), (35, 4), (75, 5), (155, 6), (275, 7), (395, 8)],
)
def test_checks_made_after_elapsed_time(elapsed: float, checks: int) -> None:
    assert PollSchedule().checks_made_after(elapsed) == checks


@pytest.mark.parametrize(
    "kwargs",
    [{"interval_s": -1}, {"interval_s": float("nan")}, {"max_interval_s": -1}, {"jitter": 1.5}],
)
def test_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        PollSchedule(**kwargs)  # type: ignore[arg-type]
