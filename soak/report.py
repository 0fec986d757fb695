"""The soak's figures from its raw results, the odds of a false failure, and the printed table."""

from __future__ import annotations

from collections import Counter
from typing import Any

from airflow_provider_dubbing.client.retry import RetryPolicy


def figures(results: dict[str, Any]) -> dict[str, Any]:
    """The figures the issue asks for, from :func:`soak.run.soak`'s results."""
    rows = results["waits"]
    config = results["config"]
    judged = Counter(row["judged"] for row in rows)
    stats = results["emulator"]
    faults = {kind: stats["faults"].get(kind, 0) for kind in config["fault_kinds"]}
    checks = sum(row["checks"] for row in rows)
    durations = [row["duration_s"] for row in rows if row["duration_s"] is not None]
    by_kind: dict[str, list[int]] = {}
    for row in rows:
        tally = by_kind.setdefault(row["kind"], [0, 0])
        tally[0] += row["judged"] == "as_expected"
        tally[1] += 1
    return {
        "waits": len(rows),
        "started_on_worker": sum(row["start"] == "worker" for row in rows),
        "started_in_triggerer": sum(row["start"] == "triggerer" for row in rows),
        "deferred": sum(row["deferred"] for row in rows),
        "as_expected": judged["as_expected"],
        "false_failures": judged["false_failure"],
        "false_successes": judged["false_success"],
        "hangs": judged["hang"],
        "more_than_one_event": sum(row["events"] > 1 for row in rows),
        "broken_waits": len(results["broken"]),
        "workers_still_running": results["workers_still_running"],
        "requests": stats["requests"],
        "faults": faults,
        "faults_total": sum(faults.values()),
        "retries": results["retries"],
        "checks": checks,
        "failed_checks_tolerated": sum(row["passing_failures"] for row in rows if row["judged"] != "hang"),
        "longest_failed_streak": max((row["longest_streak"] for row in rows), default=0),
        # Every attempt is a check's first request or a client retry; one the emulator never
        # saw waited too long for a pooled connection (or could not connect).
        "attempts_not_served": checks + results["retries"] - stats["requests"],
        # Each fault is retried by the client, or it was a check's last attempt and that check
        # failed: any other difference is a fault taken for an answer (or a retry without one).
        "faults_not_retried_nor_failed": sum(faults.values())
        - results["retries"]
        - sum(row["passing_failures"] for row in rows),
        "wall_s": results["wall_s"],
        "longest_wait_s": max(durations, default=0.0),
        "by_kind": {kind: f"{ok}/{n}" for kind, (ok, n) in sorted(by_kind.items())},
        "odds": false_failure_odds(
            config["fault_rate"], RetryPolicy().max_retries, config["max_consecutive_failures"], checks
        ),
    }


def passed(fig: dict[str, Any]) -> bool:
    """Every wait ended as its script says, each with one event, and none broke."""
    return bool(
        fig["as_expected"] == fig["waits"]
        and fig["more_than_one_event"] == 0
        and fig["broken_waits"] == 0
        and fig["workers_still_running"] == 0
        and fig["false_failures"] == fig["false_successes"] == fig["hangs"] == 0
    )


def false_failure_odds(fault_rate: float, max_retries: int, tolerance: int, checks: int) -> dict[str, Any]:
    """The chance that independent faults at ``fault_rate`` end some wait as a failure.

    A check fails only when all of its ``max_retries + 1`` attempts are faulted (every kind
    the emulator injects is retried for a status check), and a wait gives up only on
    ``tolerance`` failed checks in a row. A run of ``checks`` checks has at most ``checks``
    places where such a streak could start, hence the union bound.
    """
    attempts = max_retries + 1
    per_check = fault_rate**attempts
    per_streak = per_check**tolerance
    return {
        "attempts_per_check": attempts,
        "p_check_fails": per_check,
        "p_streak": per_streak,
        "p_any_false_failure_bound": min(1.0, checks * per_streak),
        # The same faults without the design: a wait that fails on its first faulted request.
        "p_any_failure_without_retries_or_tolerance": 1.0 - (1.0 - fault_rate) ** checks,
    }


def table(fig: dict[str, Any], config: dict[str, Any]) -> str:
    """The printed figures."""
    odds = fig["odds"]
    kinds = ", ".join(f"{kind} {count}" for kind, count in fig["faults"].items())
    share = fig["faults_total"] / fig["requests"] if fig["requests"] else 0.0
    lines = [
        f"soak: {fig['waits']} waits of deferrable sensors, seed {config['seed']}, faults on "
        f"{config['fault_rate']:.0%} of status checks (429 Retry-After {config['retry_after_s']:g} s; "
        f"slow {config['slow_s']:g} s against a {config['request_timeout_s']:g} s request timeout)",
        f"  sensors: poke_interval {config['poke_interval_s']:g} s doubling to {config['max_wait_s']:g} s, "
        f"max_consecutive_failures {config['max_consecutive_failures']}; client: "
        f"{odds['attempts_per_check'] - 1} retries per check",
        "",
        f"  {'waits':38s} {fig['waits']}  ({fig['started_on_worker']} started by execute() on a worker, "
        f"{fig['started_in_triggerer']} in the triggerer; {fig['deferred']} deferred)",
        f"  {'outcomes as expected':38s} {fig['as_expected']}/{fig['waits']}",
        f"  {'false failures':38s} {fig['false_failures']}",
        f"  {'false successes':38s} {fig['false_successes']}",
        f"  {'hangs (no event by the deadline)':38s} {fig['hangs']}  (deadline {config['deadline_s']:g} s)",
        f"  {'requests served':38s} {fig['requests']}",
        f"  {'faults injected':38s} {fig['faults_total']} ({share:.1%} of requests): {kinds}",
        f"  {'client retries':38s} {fig['retries']}",
        f"  {'checks made':38s} {fig['checks']}",
        f"  {'failed checks tolerated':38s} {fig['failed_checks_tolerated']}  (longest run in a row "
        f"{fig['longest_failed_streak']}; a wait gives up at {config['max_consecutive_failures']})",
        f"  {'attempts that never reached the server':38s} {fig['attempts_not_served']}",
        f"  {'faults neither retried nor failing':38s} {fig['faults_not_retried_nor_failed']}  "
        "(faults = client retries + failed checks)",
        f"  {'wall time':38s} {fig['wall_s']:.1f} s  (longest wait {fig['longest_wait_s']:.1f} s)",
        f"  {'as expected, by kind':38s} " + ", ".join(f"{k} {v}" for k, v in fig["by_kind"].items()),
        "",
        "  odds of a false failure from independent faults:",
        f"    a check fails only if all {odds['attempts_per_check']} attempts are faulted: "
        f"{config['fault_rate']:g}^{odds['attempts_per_check']} = {odds['p_check_fails']:.2e}",
        f"    a wait gives up only after {config['max_consecutive_failures']} such checks in a row: "
        f"{odds['p_check_fails']:.2e}^{config['max_consecutive_failures']} = {odds['p_streak']:.2e}",
        f"    over this run's {fig['checks']} checks: <= {odds['p_any_false_failure_bound']:.1e}  "
        f"(without retries or tolerance: {odds['p_any_failure_without_retries_or_tolerance']:.4f})",
        "",
        f"  {'PASS' if passed(fig) else 'FAIL'}",
    ]
    return "\n".join(lines)
