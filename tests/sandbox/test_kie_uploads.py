"""File upload API (REFERENCE §5): stream, base64 and URL uploads, served back byte for byte."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.sandbox.test_kie_support import API_KEY, KieClient, fast_simulator
from trt.sandbox.kie import KieSimulator
from trt.sandbox.kie.media import draw_png

STREAM = "/api/file-stream-upload"
BASE64 = "/api/file-base64-upload"
URL = "/api/file-url-upload"
DATA_KEYS = {"fileName", "filePath", "downloadUrl", "fileSize", "mimeType", "uploadedAt"}
PNG = draw_png((10, 20, 30))


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    async with fast_simulator() as simulator:
        yield simulator


@pytest.fixture
async def client(sim: KieSimulator) -> AsyncIterator[KieClient]:
    async with aiohttp.ClientSession() as session:
        yield KieClient(session, sim.base_url)


async def stream_upload(
    client: KieClient, data: bytes, fields: dict[str, str], *, api_key: str = API_KEY
) -> tuple[int, Any]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename="photo.bin", content_type="application/octet-stream")
    for name, value in fields.items():
        form.add_field(name, value)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with client.session.post(client.base_url + STREAM, data=form, headers=headers) as r:
        return r.status, await r.json()


async def test_stream_upload_answers_the_endpoint_shape_and_serves_the_bytes_back(
    sim: KieSimulator, client: KieClient
) -> None:
    fields = {"uploadPath": "images/user-uploads", "fileName": "cat.png"}

    status, body = await stream_upload(client, PNG, fields)

    assert status == 200
    assert (body["success"], body["code"], body["msg"]) == (
        True,
        200,
        "File uploaded successfully",
    )
    data = body["data"]
    assert set(data) == DATA_KEYS
    assert (data["fileName"], data["filePath"]) == ("cat.png", "images/user-uploads/cat.png")
    assert (data["fileSize"], data["mimeType"]) == (len(PNG), "image/png")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["uploadedAt"])
    assert data["downloadUrl"] == f"{sim.base_url}/uploads/images/user-uploads/cat.png"
    assert await client.download(data["downloadUrl"]) == (200, "image/png", PNG)
    assert sim.uploaded("images/user-uploads/cat.png") == PNG
    assert sim.stats().uploads == {"stream": 1}


async def test_large_stream_upload_is_accepted(client: KieClient) -> None:
    blob = bytes(range(256)) * (12 * 1024)  # 3 MiB, over aiohttp's 1 MiB default

    status, body = await stream_upload(client, blob, {"uploadPath": "videos", "fileName": "v.bin"})

    assert (status, body["data"]["fileSize"]) == (200, len(blob))
    assert (await client.download(body["data"]["downloadUrl"]))[2] == blob


@pytest.mark.parametrize(
    ("encoded", "mime"),
    [
        (base64.b64encode(PNG).decode(), "image/png"),
        ("data:image/webp;base64," + base64.b64encode(PNG).decode(), "image/webp"),
    ],
)
async def test_base64_upload_takes_plain_and_data_uri_forms(
    sim: KieSimulator, client: KieClient, encoded: str, mime: str
) -> None:
    payload = {"base64Data": encoded, "uploadPath": "/images/base64/", "fileName": "a.png"}

    status, body = await client.post(BASE64, payload)

    assert (status, body["success"], body["data"]["mimeType"]) == (200, True, mime)
    assert body["data"]["filePath"] == "images/base64/a.png"
    assert sim.uploaded("images/base64/a.png") == PNG
    assert (await client.download(body["data"]["downloadUrl"]))[2] == PNG


async def test_base64_upload_without_file_name_gets_a_random_one(client: KieClient) -> None:
    payload = {"base64Data": base64.b64encode(PNG).decode(), "uploadPath": "images"}

    first = (await client.post(BASE64, payload))[1]["data"]
    second = (await client.post(BASE64, payload))[1]["data"]

    assert first["fileName"] != second["fileName"]
    assert first["fileName"].endswith(".png")


async def test_same_name_overwrites(sim: KieSimulator, client: KieClient) -> None:
    for content in (b"first", b"second"):
        payload = {
            "base64Data": base64.b64encode(content).decode(),
            "uploadPath": "docs",
            "fileName": "x.txt",
        }
        await client.post(BASE64, payload)

    assert sim.uploaded("docs/x.txt") == b"second"
    assert len(sim.uploads()) == 1


async def test_url_upload_fetches_and_stores_the_file(sim: KieSimulator, client: KieClient) -> None:
    source = await client.post(
        BASE64,
        {"base64Data": base64.b64encode(PNG).decode(), "uploadPath": "src", "fileName": "s.png"},
    )
    payload = {"fileUrl": source[1]["data"]["downloadUrl"], "uploadPath": "copies"}

    status, body = await client.post(URL, {**payload, "fileName": "c.png"})

    assert (status, body["success"], body["data"]["mimeType"]) == (200, True, "image/png")
    assert sim.uploaded("copies/c.png") == PNG
    assert sim.stats().uploads == {"base64": 1, "url": 1}


@pytest.mark.parametrize(
    ("path", "payload", "message"),
    [
        (BASE64, {"base64Data": "aGVsbG8=", "fileName": "a"}, "uploadPath is required"),
        (BASE64, {"uploadPath": "a"}, "base64Data is required"),
        (BASE64, {"base64Data": "***", "uploadPath": "a"}, "base64Data is not valid base64"),
        (URL, {"uploadPath": "a"}, "fileUrl is required"),
        (URL, {"fileUrl": "http://127.0.0.1:9/none", "uploadPath": "a"}, None),
    ],
)
async def test_bad_uploads_fail_with_success_false(
    sim: KieSimulator, client: KieClient, path: str, payload: dict[str, str], message: str | None
) -> None:
    status, body = await client.post(path, payload)

    assert (status, body["success"], body["code"], body["data"]) == (200, False, 400, None)
    if message is not None:
        assert body["msg"] == message
    assert sim.uploads() == []


async def test_stream_upload_without_file_fails(client: KieClient) -> None:
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("uploadPath", "images")
    form.add_field("fileName", "x.png")
    url = client.base_url + STREAM
    async with client.session.post(url, data=form, headers=client.headers) as answer:
        body = await answer.json()

    assert (body["success"], body["msg"]) == (False, "file is required")


async def test_uploads_need_the_api_key(sim: KieSimulator, client: KieClient) -> None:
    status, body = await stream_upload(client, PNG, {"uploadPath": "a"}, api_key="nope")

    assert (status, body) == (200, {"code": 401, "msg": "You do not have access permissions"})
    assert sim.uploads() == []


async def test_unknown_upload_is_404(client: KieClient) -> None:
    assert (await client.download(client.base_url + "/uploads/none/x.png"))[0] == 404
