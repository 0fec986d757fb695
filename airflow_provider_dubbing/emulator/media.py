"""Small but real media files, made in process: a WAV tone and an MP4 container.

Only two kinds of bytes exist. Every audio format (flac, wav, mp3, aac, m4a) is served as the
WAV and every video format (mkv, mp4, mov, mxf) as the MP4, under the requested file name:
an export to ``mp3`` downloads a WAV named ``....mp3``, with ``Content-Type: audio/wav``. A
client that only moves or stores the file sees no difference; one that decodes it by its name
(an MP3 decoder on the WAV) does, and must be tested against real files instead.

The MP4 is a structurally valid ISO BMFF file (``ftyp``, ``moov`` holding an ``mvhd``,
``mdat``) with no tracks: a parser reads it, a player has nothing to play.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import wave

AUDIO_FORMATS = ("flac", "wav", "mp3", "aac", "m4a")
VIDEO_FORMATS = ("mkv", "mp4", "mov", "mxf")

WAV_CONTENT_TYPE = "audio/wav"
MP4_CONTENT_TYPE = "video/mp4"

WAV_RATE = 16_000
WAV_SECONDS = 0.25
_TONE_HZ = 440.0
_AMPLITUDE = 8_000

# The MP4's clock: a quarter of a second at 1000 ticks per second, like the WAV.
_MP4_TIMESCALE = 1000
_MP4_DURATION = 250
_MP4_PAYLOAD = 2048
_UNITY_MATRIX = (0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def is_audio_format(extension: str) -> bool:
    """Whether a file of this extension is served as the WAV (else as the MP4)."""
    return extension.lower() in AUDIO_FORMATS


@functools.cache
def wav_bytes() -> bytes:
    """A WAV file: 16-bit PCM, mono, 16 kHz, a quarter of a second of a 440 Hz tone (~8 KB)."""
    frames = int(WAV_RATE * WAV_SECONDS)
    samples = (
        int(_AMPLITUDE * math.sin(2 * math.pi * _TONE_HZ * index / WAV_RATE)) for index in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(WAV_RATE)
        writer.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return buffer.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _mvhd() -> bytes:
    """A version-0 movie header: 108 bytes, no tracks yet (next track id 1)."""
    payload = struct.pack(
        ">B3xIIIIIH10x9I24xI",
        0,  # version (flags follow as three zero bytes)
        0,  # creation time
        0,  # modification time
        _MP4_TIMESCALE,
        _MP4_DURATION,
        0x00010000,  # rate 1.0
        0x0100,  # volume 1.0, then reserved
        *_UNITY_MATRIX,
        1,  # next track id
    )
    return _box(b"mvhd", payload)


@functools.cache
def mp4_bytes() -> bytes:
    """An MP4 file: ``ftyp`` (major brand ``isom``), ``moov`` with an ``mvhd``, then ``mdat`` (~2 KB)."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isom" + b"iso2" + b"mp41")
    moov = _box(b"moov", _mvhd())
    mdat = _box(b"mdat", bytes(_MP4_PAYLOAD))
    return ftyp + moov + mdat


def file_for(extension: str) -> tuple[bytes, str]:
    """The bytes and content type served for a file of this extension."""
    if is_audio_format(extension):
        return wav_bytes(), WAV_CONTENT_TYPE
    return mp4_bytes(), MP4_CONTENT_TYPE
