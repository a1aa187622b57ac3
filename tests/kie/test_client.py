import asyncio
import time
from decimal import Decimal

import aiohttp
import pytest
from structlog.testing import capture_logs

from tests.kie import samples
from tests.kie.conftest import ClientFactory
from tests.kie.stub import API_KEY, FakeTime, KieStub, Reply, ok
from trt.domain.families import ApiFamily
from trt.kie import (
    KieAuthError,
    KieClient,
    KieInsufficientCredits,
    KieInvalidRequest,
    KiePermanentError,
    KieRateLimited,
    KieTaskNotFound,
    KieTransientError,
    MediaKind,
    ResultFile,
    RetryPolicy,
    TaskState,
)

CREATED = ok({"taskId": "task_z-image_1765174270120"})
CALLBACK = "https://bot.example/callbacks/kie?job=17&sig=abc"


@pytest.mark.parametrize("callback_url", [CALLBACK, None])
async def test_create_market_task(
    kie: KieStub, client: KieClient, callback_url: str | None
) -> None:
    kie.on("POST", "/api/v1/jobs/createTask", CREATED)
    task_id = await client.create_task(
        family=ApiFamily.MARKET,
        kie_model="z-image",
        fields={"prompt": "a cat", "aspect_ratio": "1:1"},
        callback_url=callback_url,
    )
    assert task_id == "task_z-image_1765174270120"
    [request] = kie.seen
    expected: dict[str, object] = {
        "model": "z-image",
        "input": {"prompt": "a cat", "aspect_ratio": "1:1"},
    }
    if callback_url is not None:
        expected["callBackUrl"] = callback_url
    assert request.json() == expected
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.content_type == "application/json"


@pytest.mark.parametrize("callback_url", [CALLBACK, None])
async def test_create_veo_task_puts_fields_on_top(
    kie: KieStub, client: KieClient, callback_url: str | None
) -> None:
    kie.on("POST", "/api/v1/veo/generate", ok({"taskId": "veo_task_abcdef123456"}))
    task_id = await client.create_task(
        family=ApiFamily.VEO,
        kie_model="veo3_fast",
        fields={"prompt": "a cat", "aspectRatio": "16:9", "duration": 8},
        callback_url=callback_url,
    )
    assert task_id == "veo_task_abcdef123456"
    expected: dict[str, object] = {
        "prompt": "a cat",
        "aspectRatio": "16:9",
        "duration": 8,
        "model": "veo3_fast",
    }
    if callback_url is not None:
        expected["callBackUrl"] = callback_url
    assert kie.seen[0].json() == expected
    assert kie.seen[0].headers["authorization"] == f"Bearer {API_KEY}"


async def test_create_suno_task_sends_callback(kie: KieStub, client: KieClient) -> None:
    kie.on("POST", "/api/v1/generate", ok({"taskId": "5c79be8e"}))
    fields = {"prompt": "a song", "customMode": False, "instrumental": False}
    task_id = await client.create_task(
        family=ApiFamily.SUNO, kie_model="V4_5", fields=fields, callback_url=CALLBACK
    )
    assert task_id == "5c79be8e"
    assert kie.seen[0].json() == {**fields, "model": "V4_5", "callBackUrl": CALLBACK}


async def test_create_suno_task_without_callback_is_refused_before_sending(
    kie: KieStub, client: KieClient
) -> None:
    with pytest.raises(KieInvalidRequest):
        await client.create_task(
            family=ApiFamily.SUNO, kie_model="V4_5", fields={"prompt": "x"}, callback_url=None
        )
    assert kie.seen == []


async def test_create_without_task_id_is_permanent_and_not_repeated(
    kie: KieStub, client: KieClient
) -> None:
    kie.on("POST", "/api/v1/jobs/createTask", ok({}))
    with pytest.raises(KiePermanentError, match="without a taskId"):
        await client.create_task(
            family=ApiFamily.MARKET, kie_model="z-image", fields={}, callback_url=None
        )
    assert len(kie.seen) == 1


async def test_create_with_unknown_model_is_permanent(kie: KieStub, client: KieClient) -> None:
    refusal = {"code": 422, "msg": "The page does not exist or is not published", "data": None}
    kie.on("POST", "/api/v1/jobs/createTask", Reply(body=refusal))
    with pytest.raises(KiePermanentError) as caught:
        await client.create_task(
            family=ApiFamily.MARKET, kie_model="nope", fields={}, callback_url=None
        )
    assert caught.value.code == 422
    assert caught.value.message == "The page does not exist or is not published"


@pytest.mark.parametrize(
    ("family", "path", "data", "expected_state", "expected_results"),
    [
        (
            ApiFamily.MARKET,
            "/api/v1/jobs/recordInfo",
            samples.MARKET_RECORD_SUCCESS,
            TaskState.SUCCEEDED,
            (ResultFile("https://example.com/generated-content.jpg", MediaKind.IMAGE),),
        ),
        (
            ApiFamily.MARKET,
            "/api/v1/jobs/recordInfo",
            {**samples.MARKET_RECORD_SUCCESS, "state": "generating", "resultJson": ""},
            TaskState.RUNNING,
            (),
        ),
        (
            ApiFamily.VEO,
            "/api/v1/veo/record-info",
            samples.veo_record(1, {"resultUrls": '["https://x/v.mp4"]'}),
            TaskState.SUCCEEDED,
            (ResultFile("https://x/v.mp4", MediaKind.VIDEO),),
        ),
        (
            ApiFamily.SUNO,
            "/api/v1/generate/record-info",
            samples.suno_record("SUCCESS", samples.SUNO_RECORD_TRACKS[:1]),
            TaskState.SUCCEEDED,
            (ResultFile("https://example.cn/one.mp3", MediaKind.AUDIO, "Night City"),),
        ),
    ],
)
async def test_get_record_per_family(
    kie: KieStub,
    client: KieClient,
    family: ApiFamily,
    path: str,
    data: object,
    expected_state: TaskState,
    expected_results: tuple[ResultFile, ...],
) -> None:
    kie.on("GET", path, ok(data))
    record = await client.get_record(family=family, task_id="task 1/2")
    assert record.state is expected_state
    assert record.results == expected_results
    [request] = kie.seen
    assert request.query == {"taskId": "task 1/2"}
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


async def test_get_record_accepts_message_instead_of_msg(kie: KieStub, client: KieClient) -> None:
    body = {"code": 200, "message": "success", "data": samples.MARKET_RECORD_FAIL}
    kie.on("GET", "/api/v1/jobs/recordInfo", Reply(body=body))
    record = await client.get_record(family=ApiFamily.MARKET, task_id="task_12345678")
    assert record.state is TaskState.FAILED
    assert record.fail_code == "422"


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body={"code": 422, "msg": "recordInfo is null", "data": None}),
        Reply(body={"code": 404, "msg": "Task not found"}),
        Reply(status=404, body={"code": 404, "msg": "Task not found"}),
        Reply(status=404, body=b"<html>404</html>", content_type="text/html"),
    ],
)
async def test_unknown_task_is_task_not_found(
    kie: KieStub, client: KieClient, reply: Reply
) -> None:
    kie.on("GET", "/api/v1/jobs/recordInfo", reply)
    with pytest.raises(KieTaskNotFound):
        await client.get_record(family=ApiFamily.MARKET, task_id="missing")
    assert len(kie.seen) == 1


async def test_bad_request_on_record_is_permanent_not_not_found(
    kie: KieStub, client: KieClient
) -> None:
    kie.on("GET", "/api/v1/veo/record-info", Reply(body={"code": 400, "msg": "taskId required"}))
    with pytest.raises(KiePermanentError) as caught:
        await client.get_record(family=ApiFamily.VEO, task_id="")
    assert not isinstance(caught.value, KieTaskNotFound)


async def test_truncated_record_is_retried_then_read(
    kie: KieStub, client: KieClient, fake_time: FakeTime
) -> None:
    truncated = Reply(body=b'{"code":200,"msg":"success","data":{"taskId":"task_1","sta')
    kie.on("GET", "/api/v1/jobs/recordInfo", truncated, ok(samples.MARKET_RECORD_SUCCESS))
    record = await client.get_record(family=ApiFamily.MARKET, task_id="task_1")
    assert record.state is TaskState.SUCCEEDED
    assert len(kie.seen) == 2
    assert len(fake_time.sleeps) == 1


@pytest.mark.parametrize(("data", "expected"), [(100, Decimal(100)), (12.5, Decimal("12.5"))])
async def test_credits(kie: KieStub, client: KieClient, data: object, expected: Decimal) -> None:
    kie.on("GET", "/api/v1/chat/credit", ok(data))
    assert await client.credits() == expected
    assert kie.seen[0].headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize(
    "failure",
    [
        Reply(status=429, body={"code": 429, "msg": "Rate limit exceeded"}),
        Reply(body={"code": 429, "msg": "Rate limit exceeded"}),
        Reply(status=500, body={"code": 500, "msg": "server error"}),
        Reply(status=502, body=b"<html>bad gateway</html>", content_type="text/html"),
        Reply(status=503, body=b""),
        Reply(body={"code": 455, "msg": "maintenance"}),
        Reply(body={"code": 408, "msg": "Upstream timeout"}),
    ],
)
async def test_transient_failures_are_retried_then_succeed(
    kie: KieStub, client: KieClient, fake_time: FakeTime, failure: Reply
) -> None:
    kie.on("POST", "/api/v1/jobs/createTask", failure, failure, CREATED)
    task_id = await client.create_task(
        family=ApiFamily.MARKET, kie_model="z-image", fields={"prompt": "x"}, callback_url=None
    )
    assert task_id == "task_z-image_1765174270120"
    assert len(kie.seen) == 3
    assert len(fake_time.sleeps) == 2
    # Full jitter: each wait is within [0, base * 2^(n-1)].
    assert 0 <= fake_time.sleeps[0] <= 0.5
    assert 0 <= fake_time.sleeps[1] <= 1.0


async def test_attempts_exhausted_raises_the_last_transient_error(
    kie: KieStub, client: KieClient, fake_time: FakeTime
) -> None:
    kie.on("GET", "/api/v1/chat/credit", Reply(status=429, body={"code": 429, "msg": "slow"}))
    with pytest.raises(KieRateLimited):
        await client.credits()
    assert len(kie.seen) == 4
    assert len(fake_time.sleeps) == 3


async def test_time_budget_stops_retries_before_attempts_run_out(
    kie: KieStub, make_client: ClientFactory, fake_time: FakeTime
) -> None:
    policy = RetryPolicy(max_attempts=50, base_delay=4, max_delay=8, budget=10)
    kie.on("GET", "/api/v1/chat/credit", Reply(status=503, body={"code": 503, "msg": "busy"}))
    async with make_client(retry=policy) as client:
        with pytest.raises(KieTransientError):
            await client.credits()
    assert sum(fake_time.sleeps) < 10
    assert 2 <= len(kie.seen) < 50


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(body={"code": 401, "msg": "You do not have access permissions"}), KieAuthError),
        (Reply(status=401, body={"code": 401, "msg": "no"}), KieAuthError),
        (Reply(body={"code": 402, "msg": "Insufficient credits"}), KieInsufficientCredits),
        (Reply(body={"code": 422, "msg": "bad input"}), KiePermanentError),
        (Reply(body={"code": 501, "msg": "generation failed"}), KiePermanentError),
    ],
)
async def test_permanent_failures_are_not_retried(
    kie: KieStub, client: KieClient, fake_time: FakeTime, reply: Reply, expected: type[Exception]
) -> None:
    kie.on("POST", "/api/v1/jobs/createTask", reply)
    with pytest.raises(expected):
        await client.create_task(
            family=ApiFamily.MARKET, kie_model="z-image", fields={}, callback_url=None
        )
    assert len(kie.seen) == 1
    assert fake_time.sleeps == []


async def test_slow_answer_times_out_as_transient(
    kie: KieStub, make_client: ClientFactory, fake_time: FakeTime
) -> None:
    kie.on("GET", "/api/v1/chat/credit", Reply(body={"code": 200, "data": 1}, delay=2))
    policy = RetryPolicy(max_attempts=2)
    started = time.perf_counter()
    async with make_client(retry=policy, request_timeout=0.2) as client:
        with pytest.raises(KieTransientError, match="TimeoutError"):
            await client.credits()
    assert time.perf_counter() - started < 1.5
    assert len(kie.seen) == 2


async def test_connection_refused_is_transient(fake_time: FakeTime) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    base = f"http://127.0.0.1:{port}"
    policy = RetryPolicy(max_attempts=2)
    async with KieClient(
        api_base=base, upload_base=base, api_key=API_KEY, retry=policy, sleep=fake_time.sleep
    ) as client:
        with pytest.raises(KieTransientError, match="ClientConnectorError"):
            await client.credits()
    assert len(fake_time.sleeps) == 1


async def test_given_session_is_left_open(kie: KieStub) -> None:
    kie.on("GET", "/api/v1/chat/credit", ok(5))
    async with aiohttp.ClientSession() as session:
        async with KieClient(
            api_base=kie.url, upload_base=kie.url, api_key=API_KEY, session=session
        ) as client:
            assert await client.credits() == Decimal(5)
        assert not session.closed


async def test_shared_session_raising_for_status_is_still_classified(kie: KieStub) -> None:
    kie.on("GET", "/api/v1/chat/credit", Reply(status=401, body={"code": 401, "msg": "no"}))
    async with aiohttp.ClientSession(raise_for_status=True) as session:
        client = KieClient(api_base=kie.url, upload_base=kie.url, api_key=API_KEY, session=session)
        with pytest.raises(KieAuthError):
            await client.credits()
    assert len(kie.seen) == 1


async def test_owned_session_is_closed_and_reopened_on_use(kie: KieStub) -> None:
    kie.on("GET", "/api/v1/chat/credit", ok(5))
    client = KieClient(api_base=kie.url + "/", upload_base=kie.url, api_key=API_KEY)
    assert await client.credits() == Decimal(5)
    await client.close()
    await client.close()
    assert await client.credits() == Decimal(5)
    await client.close()
    assert [seen.path for seen in kie.seen] == ["/api/v1/chat/credit"] * 2


def test_empty_api_key_is_refused() -> None:
    with pytest.raises(ValueError, match="api_key"):
        KieClient(api_base="http://127.0.0.1:1", upload_base="http://127.0.0.1:1", api_key="")


async def test_api_key_never_appears_in_logs_or_errors(
    kie: KieStub, client: KieClient, fake_time: FakeTime
) -> None:
    kie.on("POST", "/api/v1/jobs/createTask", Reply(status=503, body=b"busy"), CREATED)
    kie.on("GET", "/api/v1/chat/credit", Reply(body={"code": 401, "msg": "no access"}))
    kie.on("POST", "/upload-host/api/file-stream-upload", Reply(status=404, body=b""))
    kie.on("POST", "/upload-host/api/file-base64-upload", ok({"downloadUrl": "https://t/x.png"}))
    with capture_logs() as logs:
        await client.create_task(
            family=ApiFamily.MARKET, kie_model="z-image", fields={}, callback_url=None
        )
        with pytest.raises(KieAuthError) as caught:
            await client.credits()
        await client.upload_bytes(data=b"png", file_name="x.png", mime_type="image/png")
    events = [entry["event"] for entry in logs]
    assert {"kie.request", "kie.retry", "kie.task_created", "kie.upload_fallback"} <= set(events)
    assert API_KEY not in repr(logs)
    assert API_KEY not in str(caught.value)
    assert API_KEY not in repr(caught.value)
    assert all("?" not in str(entry.get("path", "")) for entry in logs)
