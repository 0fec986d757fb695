"""The benchmark harness still measures: a tiny run of our CAMB.AI trigger (a few seconds).

Figures are not asserted (a shared CI machine makes them meaningless): only that polls
happened on schedule's order of magnitude, connections were counted and stayed within
the pool, and no wait ended or failed. Airflow's HTTP provider is not in the test
environments, so the anchor is left to ``make bench``.
"""

from __future__ import annotations

from benchmarks.__main__ import POOL_SIZE, derived, measure


def test_the_harness_measures_a_small_run() -> None:
    result = measure("camb", count=20, interval_s=0.2, window_s=1.0)
    assert "failed" not in result, result.get("failed")
    figures = derived(result)
    assert result["errors"] == []
    assert figures["ended"] == 0
    assert set(result["statuses"]) == {"200"}
    assert figures["polls"] >= 20  # 100 scheduled in the window; a busy machine makes fewer
    assert 1 <= figures["connections"] <= POOL_SIZE
    assert figures["cpu_ms_per_poll"] > 0
    assert result["late_p50_s"] is not None
