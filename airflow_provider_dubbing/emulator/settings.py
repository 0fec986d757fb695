"""The emulator's settings: the credentials it accepts and the length of its default scripts.

Kept apart from the server so tests and the CLI can build settings without aiohttp.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV_CAMB_KEY = "DUBBING_EMULATOR_CAMB_KEY"
ENV_BV_TOKEN = "DUBBING_EMULATOR_BV_TOKEN"
ENV_BV_ORG = "DUBBING_EMULATOR_BV_ORG"
ENV_EXPORT_ANSWER = "DUBBING_EMULATOR_EXPORT_ANSWER"
ENV_FILE_URL_TTL = "DUBBING_EMULATOR_FILE_URL_TTL"

EXPORT_ANSWERS = ("mix", "output_url", "task_id")
# S3 refuses presigned URLs meant to live longer than seven days.
MAX_FILE_URL_TTL = 7 * 24 * 3600


@dataclass(frozen=True)
class EmulatorSettings:
    """What the emulator accepts as credentials and how long its default scripts run.

    :param camb_api_key: the ``x-api-key`` every CAMB.AI route requires.
    :param bv_token: the bearer token every BlendVision One route requires.
    :param bv_org_id: the ``x-bv-org-id`` every BlendVision One route requires.
    :param pending_polls: PENDING answers of a default CAMB.AI export before SUCCESS.
    :param processing_polls: PROCESSING answers of a default BlendVision job (after one
        CREATED) before SUCCEEDED.
    :param export_answer: how a CAMB.AI export of a run with no admin script answers:
        ``"mix"`` (audio formats ``output_url``, video formats ``task_id``), or always
        ``"output_url"`` or always ``"task_id"``.
    :param file_url_ttl: seconds a presigned file URL stays valid (1 to 604800, as S3).
    """

    camb_api_key: str = "emulator-camb-key"
    bv_token: str = "emulator-bv-token"
    bv_org_id: str = "emulator-org"
    pending_polls: int = 2
    processing_polls: int = 2
    export_answer: str = "mix"
    file_url_ttl: int = 3600

    def __post_init__(self) -> None:
        for name in ("camb_api_key", "bv_token", "bv_org_id"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")
        for name in ("pending_polls", "processing_polls"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if self.export_answer not in EXPORT_ANSWERS:
            raise ValueError(
                f"export_answer must be one of {', '.join(EXPORT_ANSWERS)}, got {self.export_answer!r}"
            )
        ttl = self.file_url_ttl
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= MAX_FILE_URL_TTL:
            raise ValueError(f"file_url_ttl must be an integer from 1 to {MAX_FILE_URL_TTL}, got {ttl!r}")

    def __repr__(self) -> str:
        # Credentials stay out of reprs, which end up in logs and test failure output.
        return (
            f"EmulatorSettings(pending_polls={self.pending_polls}, "
            f"processing_polls={self.processing_polls}, export_answer={self.export_answer!r}, "
            f"file_url_ttl={self.file_url_ttl}, credentials=<hidden>)"
        )

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        pending_polls: int | None = None,
        processing_polls: int | None = None,
        export_answer: str | None = None,
        file_url_ttl: int | None = None,
    ) -> EmulatorSettings:
        """Settings whose credentials come from ``DUBBING_EMULATOR_*`` variables when set.

        :param environ: the variables to read; ``os.environ`` when omitted.
        :param pending_polls: overrides the default when given.
        :param processing_polls: overrides the default when given.
        :param export_answer: overrides ``DUBBING_EMULATOR_EXPORT_ANSWER`` and the default.
        :param file_url_ttl: overrides ``DUBBING_EMULATOR_FILE_URL_TTL`` and the default.
        """
        env = os.environ if environ is None else environ
        defaults = cls()
        if file_url_ttl is None and env.get(ENV_FILE_URL_TTL):
            raw_ttl = env[ENV_FILE_URL_TTL]
            if not raw_ttl.strip().isdigit():
                raise ValueError(f"{ENV_FILE_URL_TTL} must be a whole number of seconds, got {raw_ttl!r}")
            file_url_ttl = int(raw_ttl)
        return cls(
            camb_api_key=env.get(ENV_CAMB_KEY) or defaults.camb_api_key,
            bv_token=env.get(ENV_BV_TOKEN) or defaults.bv_token,
            bv_org_id=env.get(ENV_BV_ORG) or defaults.bv_org_id,
            pending_polls=defaults.pending_polls if pending_polls is None else pending_polls,
            processing_polls=defaults.processing_polls if processing_polls is None else processing_polls,
            export_answer=export_answer or env.get(ENV_EXPORT_ANSWER) or defaults.export_answer,
            file_url_ttl=defaults.file_url_ttl if file_url_ttl is None else file_url_ttl,
        )
