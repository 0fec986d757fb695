"""The fault-injection soak, small: 44 waits of both APIs' deferrable sensors, 30% of checks faulted.

The full run is ``make soak`` (200 waits). This one runs the same code (soak/) against a
fresh emulator process and asserts what the issue asks: every wait ends as its script
says, with no false failure, false success or hang, and every fault kind was injected.
The seed is chosen so that is certain, not likely: the emulator draws faults in request
order from the seed, and every kind is among the draws of the requests the run must make
at the very least. Two controls show the soak can fail: with no tolerance for failed
checks it finds false failures, and with a deadline too short it finds hangs.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_dubbing.emulator.faults import FAULT_KINDS, FaultPlan
from soak.mix import KINDS, TRIGGERER, WORKER, make_mix
from soak.report import figures, passed
from soak.run import SoakConfig, run

# 44 waits: two rounds of the mix, so every kind (CAMB.AI exports and dubs, BlendVision
# jobs) is started both ways.
SMALL = SoakConfig(
    waits=44,
    seed=2,
    poke_interval_s=0.5,
    max_wait_s=1.0,
    max_pending=3,
    deadline_s=60.0,
)


def least_requests(config: SoakConfig) -> int:
    """The fewest status requests the run can make: each object's answers up to its outcome
    (a faulted request does not advance a script), at least one per wait."""
    cases = make_mix(config.waits, config.seed, config.max_pending)
    return sum(max(1, case.answers_to_outcome) for case in cases)


def soak(config: SoakConfig, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return figures(run(config, monkeypatch.setenv))


@pytest.mark.timeout(120)
def test_every_wait_ends_as_scripted_under_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = FaultPlan()
    plan.configure(rate=SMALL.fault_rate, seed=SMALL.seed, kinds=FAULT_KINDS, methods=["GET"])
    drawn = {fault.kind for fault in (plan.draw("GET") for _ in range(least_requests(SMALL))) if fault}
    assert drawn == set(FAULT_KINDS), "pick a seed whose certain requests draw every kind"
    started = {(case.kind, case.start) for case in make_mix(SMALL.waits, SMALL.seed, SMALL.max_pending)}
    assert started == {(kind, start) for kind in KINDS for start in (WORKER, TRIGGERER)}

    fig = soak(SMALL, monkeypatch)

    assert fig["waits"] == SMALL.waits
    assert fig["false_failures"] == 0
    assert fig["false_successes"] == 0
    assert fig["hangs"] == 0
    assert fig["as_expected"] == SMALL.waits
    assert passed(fig)
    assert {kind for kind, count in fig["faults"].items() if count > 0} == set(FAULT_KINDS)
    # The faults reached the client and were retried there, and a few checks failed past
    # the retries and were tolerated (at 30%, about one check in 120 does).
    assert fig["retries"] > 0
    # Every fault was either retried or the last attempt of a check that failed and was
    # tolerated: none was taken for an answer or for a refusal.
    assert fig["faults_not_retried_nor_failed"] == 0
    assert fig["requests"] >= least_requests(SMALL)
    assert set(fig["by_kind"]) == set(KINDS)
    assert all(value != "0/0" for value in fig["by_kind"].values())
    # Both ways a deferrable sensor starts, and most waits reached the triggerer.
    assert fig["started_on_worker"] > 0
    assert fig["started_in_triggerer"] > 0
    assert fig["deferred"] > SMALL.waits / 2


@pytest.mark.timeout(60)
def test_the_soak_counts_false_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every check answered 500 and no failed check tolerated: each wait gives up after its
    # first check's retries, whatever its script says.
    config = SoakConfig(
        waits=8, seed=3, fault_rate=1.0, fault_kinds=("500",), max_consecutive_failures=1, deadline_s=30.0
    )
    fig = soak(config, monkeypatch)
    assert fig["false_failures"] == 8
    assert fig["as_expected"] == 0
    assert not passed(fig)


@pytest.mark.timeout(60)
def test_the_soak_counts_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every answer slower than the client waits: the first check alone outlasts the deadline.
    config = SoakConfig(
        waits=4,
        seed=3,
        fault_rate=1.0,
        fault_kinds=("slow",),
        slow_s=1.0,
        request_timeout_s=0.5,
        deadline_s=1.5,
    )
    fig = soak(config, monkeypatch)
    assert fig["hangs"] == 4
    assert not passed(fig)
