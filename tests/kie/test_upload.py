import base64

import pytest

from tests.kie import samples
from tests.kie.stub import API_KEY, FakeTime, KieStub, Reply, ok
from trt.kie import (
    KieAuthError,
    KieClient,
    KieInvalidRequest,
    KiePermanentError,
    KieTransientError,
)

STREAM = "/upload-host/api/file-stream-upload"
BASE64 = "/upload-host/api/file-base64-upload"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.mark.parametrize(
    "answer", [samples.UPLOAD_ANSWER_ENDPOINT_PAGE, samples.UPLOAD_ANSWER_QUICKSTART]
)
async def test_stream_upload_reads_both_answer_shapes(
    kie: KieStub, client: KieClient, answer: dict[str, object]
) -> None:
    kie.on("POST", STREAM, Reply(body=answer))
    url = await client.upload_bytes(data=PNG, file_name="photo.png", mime_type="image/png")
    data = answer["data"]
    assert isinstance(data, dict)
    assert url == data.get("downloadUrl", data.get("fileUrl"))
    [request] = kie.seen
    assert request.path == STREAM
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.content_type == "multipart/form-data"
    fields = request.form_parts()
    assert fields["file"] == ("photo.png", "image/png", PNG)
    assert fields["uploadPath"][::2] == (None, b"trt/inputs")
    assert fields["fileName"][::2] == (None, b"photo.png")
    assert set(fields) == {"file", "uploadPath", "fileName"}


async def test_download_url_wins_over_file_url(kie: KieStub, client: KieClient) -> None:
    both = ok({"downloadUrl": "https://t/download.png", "fileUrl": "https://t/file.png"})
    kie.on("POST", STREAM, both)
    assert await client.upload_bytes(data=b"x", file_name="a.png", mime_type="image/png") == (
        "https://t/download.png"
    )


@pytest.mark.parametrize(
    "refusal",
    [
        Reply(status=404, body=b"Not Found", content_type="text/plain"),
        Reply(status=405, body={"code": 405, "msg": "Method Not Allowed"}),
        Reply(body={"code": 413, "msg": "too large for stream"}),
        Reply(body={"success": False, "code": 200, "msg": "stream disabled"}),
    ],
)
async def test_base64_fallback_when_stream_is_refused(
    kie: KieStub, client: KieClient, refusal: Reply
) -> None:
    kie.on("POST", STREAM, refusal)
    kie.on("POST", BASE64, Reply(body=samples.UPLOAD_ANSWER_QUICKSTART))
    url = await client.upload_bytes(
        data=PNG, file_name="photo.jpg", mime_type="image/jpeg", upload_path="/trt/in/"
    )
    assert url == "https://tempfile.redpandaai.co/trt/inputs/photo.jpg"
    assert [seen.path for seen in kie.seen] == [STREAM, BASE64]
    fallback = kie.seen[1]
    assert fallback.headers["authorization"] == f"Bearer {API_KEY}"
    assert fallback.json() == {
        "base64Data": "data:image/jpeg;base64," + base64.b64encode(PNG).decode(),
        "uploadPath": "trt/in",
        "fileName": "photo.jpg",
    }


async def test_stream_retried_on_transient_then_no_fallback(
    kie: KieStub, client: KieClient, fake_time: FakeTime
) -> None:
    kie.on("POST", STREAM, Reply(status=503, body=b"busy"))
    kie.on("POST", BASE64, Reply(body=samples.UPLOAD_ANSWER_QUICKSTART))
    with pytest.raises(KieTransientError):
        await client.upload_bytes(data=PNG, file_name="a.png", mime_type="image/png")
    assert [seen.path for seen in kie.seen] == [STREAM] * 4
    assert len(fake_time.sleeps) == 3


async def test_stream_retry_sends_a_fresh_form(kie: KieStub, client: KieClient) -> None:
    kie.on(
        "POST", STREAM, Reply(status=502, body=b""), Reply(body=samples.UPLOAD_ANSWER_ENDPOINT_PAGE)
    )
    await client.upload_bytes(data=PNG, file_name="a.png", mime_type="image/png")
    first, second = kie.seen
    assert first.form_parts()["file"] == second.form_parts()["file"] == ("a.png", "image/png", PNG)


async def test_auth_refusal_does_not_fall_back(kie: KieStub, client: KieClient) -> None:
    kie.on("POST", STREAM, Reply(status=401, body={"code": 401, "msg": "no access"}))
    with pytest.raises(KieAuthError):
        await client.upload_bytes(data=PNG, file_name="a.png", mime_type="image/png")
    assert [seen.path for seen in kie.seen] == [STREAM]


async def test_both_endpoints_refusing_raises_the_fallback_error(
    kie: KieStub, client: KieClient
) -> None:
    kie.on("POST", STREAM, Reply(status=404, body=b""))
    kie.on("POST", BASE64, Reply(body={"code": 422, "msg": "bad base64"}))
    with pytest.raises(KiePermanentError, match="bad base64"):
        await client.upload_bytes(data=PNG, file_name="a.png", mime_type="image/png")


async def test_answer_without_url_is_transient(kie: KieStub, client: KieClient) -> None:
    kie.on("POST", STREAM, ok({"fileName": "a.png"}))
    with pytest.raises(KieTransientError, match="download URL"):
        await client.upload_bytes(data=PNG, file_name="a.png", mime_type="image/png")


async def test_empty_upload_path_is_refused(kie: KieStub, client: KieClient) -> None:
    with pytest.raises(KieInvalidRequest):
        await client.upload_bytes(
            data=PNG, file_name="a.png", mime_type="image/png", upload_path="/"
        )
    assert kie.seen == []
