"""Result files: a PNG drawn per task, tiny MP4/MP3/OGG fixtures, optional padding to N bytes.

Padding keeps files valid: an MP4 gets a trailing `free` box, other formats get zero bytes
after their last frame or chunk, which decoders ignore.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Final


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    VOICE = "voice"


EXTENSIONS: Final = MappingProxyType(
    {MediaKind.IMAGE: "png", MediaKind.VIDEO: "mp4", MediaKind.AUDIO: "mp3", MediaKind.VOICE: "ogg"}
)
CONTENT_TYPES: Final = MappingProxyType(
    {"png": "image/png", "mp4": "video/mp4", "mp3": "audio/mpeg", "ogg": "audio/ogg"}
)
# Seconds of sound in the MP3 fixture, reported as Suno track duration.
AUDIO_DURATION: Final = 1.07

_VIDEO_MARKERS: Final = ("video", "veo", "kling", "hailuo", "wan", "sora", "seedance", "runway")
_SPEECH_MARKERS: Final = ("elevenlabs", "tts", "speech")
_FIXTURES: Final = MappingProxyType({"mp4": "sample.mp4", "mp3": "sample.mp3", "ogg": "sample.ogg"})
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_PNG_SIDE: Final = 64


def kind_for_model(model: str) -> MediaKind:
    """Speech models answer with MP3 audio; override with MediaKind.VOICE for OGG."""
    name = model.lower()
    if any(marker in name for marker in _VIDEO_MARKERS):
        return MediaKind.VIDEO
    if any(marker in name for marker in _SPEECH_MARKERS):
        return MediaKind.AUDIO
    return MediaKind.IMAGE


def colour_for(text: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(text.encode()).digest()
    return digest[0], digest[1], digest[2]


def draw_png(colour: tuple[int, int, int], *, side: int = _PNG_SIDE) -> bytes:
    row = b"\x00" + bytes(colour) * side  # filter type 0, then RGB pixels
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit truecolour
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row * side))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def padding_header(ext: str, extra: int) -> bytes:
    """Bytes that start `extra` bytes of padding; the rest of the padding is zeros."""
    if ext == "mp4" and extra >= 8:
        return struct.pack(">I", extra) + b"free"
    return b""


class MediaLibrary:
    """Reads the fixture files once and draws PNGs on demand."""

    def __init__(self) -> None:
        folder = resources.files("trt.sandbox.kie") / "media"
        self._fixtures = {ext: (folder / name).read_bytes() for ext, name in _FIXTURES.items()}

    def content(self, ext: str, *, seed_text: str) -> bytes | None:
        if ext == "png":
            return draw_png(colour_for(seed_text))
        return self._fixtures.get(ext)


def file_url(base: str, task_id: str, name: str) -> str:
    return f"{base}/files/{task_id}/{name}"


def result_names(kind: MediaKind, count: int, *, stem: str = "result") -> list[str]:
    ext = EXTENSIONS[kind]
    return [f"{stem}-{index}.{ext}" for index in range(count)]
