"""The waits of a soak: which object each one waits on, through which connection, and the
emulator script that object follows.

A case says nothing about its outcome: :mod:`soak.expect` derives that from the script
and the connection alone, so a case cannot be written to expect what the code does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

CAMB = "camb"
CAMB_DUB = "camb_dub"
BLENDVISION = "blendvision"
WORKER = "worker"
TRIGGERER = "triggerer"

# The default connections (benchmarks.poller.connection_env) and one of each service whose
# credential the emulator does not know.
GOOD_CONN = {CAMB: "camb_default", BLENDVISION: "blendvision_default"}
BAD_CONN = {CAMB: "soak_camb_bad_key", BLENDVISION: "soak_blendvision_bad_token"}
# The API (so the connection) each kind of wait uses: a dub and an export are both CAMB.AI's.
API = {CAMB: CAMB, CAMB_DUB: CAMB, BLENDVISION: BLENDVISION}
# Run ids the dubs are scripted to finish as start here (index + this), far from the emulator's own.
DUB_RUN_IDS = 500_000

# Reasons a failed BlendVision job gives, in google.rpc.ErrorInfo's shape.
_BV_ERRORS = (
    {"reason": "SOURCE_AUDIO_UNREADABLE", "domain": "dubbing.blendvision.com", "metadata": {"track": "0"}},
    {"reason": "VOICE_QUOTA_EXCEEDED", "domain": "billing.blendvision.com", "metadata": {}},
)


@dataclass(frozen=True)
class Case:
    """One wait of the soak.

    :param kind: the case's kind (one of :data:`KINDS`), for the figures.
    :param service: what is waited on: ``camb`` (an alt-format export), ``camb_dub`` (a
        CAMB.AI dub) or ``blendvision`` (a dubbing job).
    :param object_id: the export task, dub task or dubbing job id waited on.
    :param credentials_valid: whether the connection's credential is the emulator's.
    :param script: the emulator's admin body for the object; None leaves it unknown (404).
    :param start: ``worker``: the sensor's ``execute()`` makes the first check, then defers;
        ``triggerer``: ``start_from_trigger``, the trigger makes the first check.
    """

    kind: str
    service: str
    object_id: str
    credentials_valid: bool
    script: dict[str, Any] | None
    start: str = WORKER

    @property
    def answers_to_outcome(self) -> int:
        """How many answers the emulator gives before and including the final one (0: none)."""
        if self.script is None or not self.credentials_valid:
            return 0
        if API[self.service] == CAMB:
            return int(self.script["pending_polls"]) + 1
        return 1 + int(self.script["processing_polls"]) + 1  # CREATED, PROCESSING..., final

    @property
    def conn_id(self) -> str:
        """The Airflow connection the wait uses."""
        return (GOOD_CONN if self.credentials_valid else BAD_CONN)[API[self.service]]


def _camb(outcome: str, reason: str | None = None, least: int = 0) -> Any:
    def script(rng: random.Random, max_pending: int) -> dict[str, Any]:
        body: dict[str, Any] = {"pending_polls": rng.randint(min(least, max_pending), max_pending)}
        body["outcome"] = outcome
        if reason is not None:
            body["exception_reason"] = reason
        return body

    return script


def _blendvision(outcome: str, error_infos: bool = False, least: int = 0) -> Any:
    def script(rng: random.Random, max_pending: int) -> dict[str, Any]:
        body: dict[str, Any] = {"processing_polls": rng.randint(min(least, max_pending), max_pending)}
        body["outcome"] = outcome
        if error_infos:
            body["error_infos"] = [dict(info) for info in rng.sample(_BV_ERRORS, rng.randint(1, 2))]
        return body

    return script


# kind -> (service, credentials valid, script maker or None for an id the emulator never heard of)
KINDS: dict[str, tuple[str, bool, Any]] = {
    "camb-success": (CAMB, True, _camb("SUCCESS", least=2)),
    "camb-error": (CAMB, True, _camb("ERROR", "Voice separation failed on the source audio")),
    "camb-timeout": (CAMB, True, _camb("TIMEOUT", "Export took longer than allowed")),
    "camb-payment-required": (CAMB, True, _camb("PAYMENT_REQUIRED")),
    "camb-unknown-id": (CAMB, True, None),
    "camb-bad-key": (CAMB, False, _camb("SUCCESS")),
    "camb-dub-success": (CAMB_DUB, True, _camb("SUCCESS", least=2)),
    "camb-dub-error": (CAMB_DUB, True, _camb("ERROR", "Transcription failed: no speech in the source")),
    "camb-dub-timeout": (CAMB_DUB, True, _camb("TIMEOUT", "Dubbing took longer than allowed")),
    "camb-dub-payment-required": (CAMB_DUB, True, _camb("PAYMENT_REQUIRED")),
    "camb-dub-unknown-id": (CAMB_DUB, True, None),
    "camb-dub-bad-key": (CAMB_DUB, False, _camb("SUCCESS")),
    "blendvision-succeeded": (BLENDVISION, True, _blendvision("DUBBING_STATUS_SUCCEEDED", least=2)),
    "blendvision-failed": (BLENDVISION, True, _blendvision("DUBBING_STATUS_FAILED", error_infos=True)),
    "blendvision-unknown-id": (BLENDVISION, True, None),
    "blendvision-bad-token": (BLENDVISION, False, _blendvision("DUBBING_STATUS_SUCCEEDED")),
}
# The successes wait longest and are what users run most, so they get a larger share.
WEIGHTS = {"camb-success": 3, "camb-dub-success": 3, "blendvision-succeeded": 3}
CYCLE = sum(WEIGHTS.get(kind, 1) for kind in KINDS)
"""The weighted count of kinds (22): one round of the mix."""


def make_mix(waits: int, seed: int, max_pending: int) -> list[Case]:
    """``waits`` cases, every kind present once ``waits`` >= :data:`CYCLE` (22), and
    started both ways once ``waits`` >= 2 * :data:`CYCLE`.

    A dub's script names the run it finishes as (``run_id``), so its success can be checked
    to hand on that run.

    :param max_pending: the most PENDING (or PROCESSING) answers before an object's outcome.
    """
    rng = random.Random(seed)
    cycle = [kind for kind in KINDS for _ in range(WEIGHTS.get(kind, 1))]
    cases = []
    for index in range(waits):
        kind = cycle[index % len(cycle)]
        # Alternate rounds of the cycle, so every kind starts both ways.
        start = WORKER if (index // len(cycle)) % 2 == 0 else TRIGGERER
        service, valid, script = KINDS[kind]
        body = None if script is None else script(rng, max_pending)
        if body is not None and service == CAMB_DUB:
            body["run_id"] = DUB_RUN_IDS + index
        cases.append(
            Case(
                kind=kind,
                service=service,
                object_id=f"soak-{seed}-{index}-{kind}",
                credentials_valid=valid,
                script=body,
                start=start,
            )
        )
    # The triggerer meets waits in no particular order; neither do we.
    rng.shuffle(cases)
    return cases
