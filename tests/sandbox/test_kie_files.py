"""Result files: valid PNG, MP4, MP3 and OGG with correct Content-Type; padding to N bytes."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import AsyncIterator

import pytest

from tests.sandbox.test_kie_support import RECORD, KieClient, fast_simulator
from trt.sandbox.kie import Behaviour, KieSimulator, MediaKind
from trt.sandbox.kie.media import kind_for_model


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    async with fast_simulator(behaviour=Behaviour(latency=0.0)) as simulator:
        yield simulator


async def result_file(client: KieClient, model: str, prompt: str) -> tuple[int, str, bytes]:
    task_id = await client.create_market(model, {"prompt": prompt})
    seen = await client.poll(RECORD, task_id, lambda data: data["state"] == "success")
    record = seen[-1]
    [url] = json.loads(record["resultJson"])["resultUrls"]
    return await client.download(url)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def mp4_boxes(data: bytes) -> list[tuple[bytes, int]]:
    boxes, offset = [], 0
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        assert size >= 8
        boxes.append((data[offset + 4 : offset + 8], size))
        offset += size
    assert offset == len(data)
    return boxes


async def test_image_result_is_a_solid_png_coloured_from_the_prompt(client: KieClient) -> None:
    status, content_type, data = await result_file(client, "z-image", "a blue whale")

    assert (status, content_type) == (200, "image/png")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    chunks = png_chunks(data)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height, depth, colour_type) == (64, 64, 8, 2)
    rgb = hashlib.sha256(b"a blue whale").digest()[:3]
    assert zlib.decompress(chunks[1][1]) == (b"\x00" + rgb * 64) * 64


async def test_different_prompts_give_different_images(client: KieClient) -> None:
    first = (await result_file(client, "z-image", "one"))[2]
    second = (await result_file(client, "z-image", "two"))[2]

    assert first != second


async def test_video_model_result_is_an_mp4(client: KieClient) -> None:
    status, content_type, data = await result_file(client, "kling-2.6/text-to-video", "surf")

    assert (status, content_type) == (200, "video/mp4")
    boxes = [kind for kind, _ in mp4_boxes(data)]
    assert boxes[0] == b"ftyp"
    assert b"moov" in boxes


async def test_speech_model_result_is_an_mp3(client: KieClient) -> None:
    status, content_type, data = await result_file(
        client, "elevenlabs/text-to-speech-turbo-2-5", "hello"
    )

    assert (status, content_type) == (200, "audio/mpeg")
    assert data.startswith(b"ID3")
    header_size = 10 + sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[6:10]))
    assert data[header_size] == 0xFF
    assert data[header_size + 1] & 0xE0 == 0xE0  # MPEG frame sync


async def test_voice_override_gives_an_ogg_opus_file(sim: KieSimulator, client: KieClient) -> None:
    sim.set_behaviour(Behaviour(latency=0.0, media=MediaKind.VOICE), model="elevenlabs/tts")

    status, content_type, data = await result_file(client, "elevenlabs/tts", "hello")

    assert (status, content_type) == (200, "audio/ogg")
    assert data.startswith(b"OggS")
    assert b"OpusHead" in data[:64]


async def test_large_file_option_pads_a_valid_mp4_to_the_exact_size(
    sim: KieSimulator, client: KieClient
) -> None:
    size = 5 * 1024 * 1024 + 3
    sim.set_behaviour(Behaviour(latency=0.0, file_size=size))

    status, content_type, data = await result_file(client, "sora-2-text-to-video", "big")

    assert (status, content_type, len(data)) == (200, "video/mp4", size)
    boxes = mp4_boxes(data)
    assert boxes[0][0] == b"ftyp"
    assert boxes[-1][0] == b"free"


async def test_large_png_keeps_its_chunks_then_zero_padding(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.0, file_size=100_000))

    _, _, data = await result_file(client, "z-image", "padded")

    assert len(data) == 100_000
    end = data.index(b"IEND") + 8
    assert png_chunks(data[:end])[-1][0] == b"IEND"
    assert set(data[end:]) == {0}


async def test_unknown_task_or_extension_is_404(client: KieClient) -> None:
    task_id = await client.create_market("z-image", {"prompt": "x"})

    assert (await client.download(f"{client.base_url}/files/nope/result-0.png"))[0] == 404
    assert (await client.download(f"{client.base_url}/files/{task_id}/result-0.exe"))[0] == 404


async def test_downloads_are_counted(sim: KieSimulator, client: KieClient) -> None:
    await result_file(client, "z-image", "count me")

    assert sim.stats().file_downloads == 1


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        ("z-image", MediaKind.IMAGE),
        ("google/nano-banana-edit", MediaKind.IMAGE),
        ("kling-2.6/image-to-video", MediaKind.VIDEO),
        ("hailuo/02-text-to-video-pro", MediaKind.VIDEO),
        ("wan/2-6-text-to-video", MediaKind.VIDEO),
        ("bytedance/seedance-1.5-pro", MediaKind.VIDEO),
        ("sora-2-text-to-video", MediaKind.VIDEO),
        ("grok-imagine/image-to-video", MediaKind.VIDEO),
        ("elevenlabs/text-to-dialogue-v3", MediaKind.AUDIO),
    ],
)
def test_media_kind_is_chosen_from_the_model_id(model: str, kind: MediaKind) -> None:
    assert kind_for_model(model) is kind
