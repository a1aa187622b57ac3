"""Reading an image's format and size from its header bytes, as Telegram does on upload."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class ImageInfo:
    mime_type: str
    width: int
    height: int


def image_info(data: bytes) -> ImageInfo | None:
    """Format and size of a PNG, JPEG, GIF or WebP image; ``None`` for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("image/png", width, height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_info(data)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("image/gif", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_info(data)
    return None


def _jpeg_info(data: bytes) -> ImageInfo | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if marker in JPEG_SOF_MARKERS:
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return ImageInfo("image/jpeg", width, height)
        index += 2 + length
    return None


def _webp_info(data: bytes) -> ImageInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return ImageInfo("image/webp", width, height)
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("image/webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    duration: int


def video_info(data: bytes) -> VideoInfo | None:
    """Size and whole-second duration of an MP4 from its ``tkhd`` and ``mvhd`` boxes."""
    if data[4:8] != b"ftyp":
        return None
    width = height = duration = 0
    search = 0
    while (index := data.find(b"tkhd", search)) > 0:
        start = index - 4
        size = int.from_bytes(data[start:index], "big")
        box = data[start : start + size]
        if len(box) == size >= 92:
            width = int.from_bytes(box[-8:-4], "big") >> 16
            height = int.from_bytes(box[-4:], "big") >> 16
            if width and height:
                break
        search = index + 4
    index = data.find(b"mvhd")
    if index > 0 and len(data) >= index + 32:
        if data[index + 4] == 1:
            timescale = int.from_bytes(data[index + 24 : index + 28], "big")
            length = int.from_bytes(data[index + 28 : index + 36], "big")
        else:
            timescale = int.from_bytes(data[index + 16 : index + 20], "big")
            length = int.from_bytes(data[index + 20 : index + 24], "big")
        duration = round(length / timescale) if timescale else 0
    return VideoInfo(width, height, duration)


def solid_png(width: int, height: int, rgb: tuple[int, int, int] = (64, 128, 255)) -> bytes:
    """A valid one-colour PNG, for sandbox content and tests."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
