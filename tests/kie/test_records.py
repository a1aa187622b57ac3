import json
from decimal import Decimal

import pytest

from tests.kie import samples
from trt.kie.errors import KieInvalidRequest, KieTransientError
from trt.kie.families import market, suno, veo
from trt.kie.records import MediaKind, ResultFile, TaskState, guess_kind


@pytest.mark.parametrize(
    ("raw_state", "expected"),
    [
        ("waiting", TaskState.PENDING),
        ("queuing", TaskState.PENDING),
        ("generating", TaskState.RUNNING),
        ("success", TaskState.SUCCEEDED),
        ("fail", TaskState.FAILED),
        ("failed", TaskState.FAILED),
        ("SUCCESS", TaskState.SUCCEEDED),
        ("something-new", TaskState.RUNNING),
    ],
)
def test_market_states(raw_state: str, expected: TaskState) -> None:
    data = {**samples.MARKET_RECORD_SUCCESS, "state": raw_state}
    record = market.parse_record(data, "task_12345678")
    assert record.state is expected
    assert record.raw_state == raw_state


def test_market_success_reads_result_json_string() -> None:
    record = market.parse_record(samples.MARKET_RECORD_SUCCESS, "asked-id")
    assert record.task_id == "task_12345678"
    assert record.state is TaskState.SUCCEEDED
    assert record.results == (
        ResultFile(url="https://example.com/generated-content.jpg", kind=MediaKind.IMAGE),
    )
    assert record.fail_code is None
    assert record.fail_message is None
    assert record.model == "grok-imagine/text-to-image"
    assert record.credits_consumed is None


@pytest.mark.parametrize("result_json", ["", None])
def test_market_fail_with_empty_or_null_result(result_json: object) -> None:
    data = {**samples.MARKET_RECORD_FAIL, "resultJson": result_json}
    record = market.parse_record(data, "task_12345678")
    assert record.state is TaskState.FAILED
    assert record.results == ()
    assert record.fail_code == "422"
    assert record.fail_message == "Invalid prompt: prompt contains prohibited content"


def test_market_callback_shaped_data_with_credits_and_string_input() -> None:
    record = market.parse_record(samples.MARKET_CALLBACK_SUCCESS["data"], "x")
    assert record.credits_consumed == Decimal(61)
    assert record.results[0].kind is MediaKind.VIDEO
    assert record.model == "wan/3-0-video-prime"


@pytest.mark.parametrize(
    "param", [samples.MARKET_PARAM_INPUT_OBJECT, samples.MARKET_PARAM_INPUT_STRING]
)
def test_market_model_comes_from_param_in_both_encodings(param: str) -> None:
    data = {**samples.MARKET_RECORD_SUCCESS, "param": param}
    del data["model"]
    record = market.parse_record(data, "x")
    assert record.model == json.loads(param)["model"]


def test_market_result_object_of_text_models() -> None:
    data = {
        **samples.MARKET_RECORD_SUCCESS,
        "resultJson": json.dumps({"resultObject": {"answer": "42"}}),
    }
    record = market.parse_record(data, "x")
    assert record.results == ()
    assert record.result_text == '{"answer": "42"}'


def test_market_result_json_given_as_object_and_url_objects() -> None:
    data = {
        **samples.MARKET_RECORD_SUCCESS,
        "resultJson": {"resultUrls": [{"resultUrl": "https://x/a.png"}, "https://x/b.mp3", 7]},
    }
    record = market.parse_record(data, "x")
    assert [(r.url, r.kind) for r in record.results] == [
        ("https://x/a.png", MediaKind.IMAGE),
        ("https://x/b.mp3", MediaKind.AUDIO),
    ]


def test_market_truncated_result_json_is_transient() -> None:
    data = {**samples.MARKET_RECORD_SUCCESS, "resultJson": '{"resultUrls":["https://exa'}
    with pytest.raises(KieTransientError):
        market.parse_record(data, "x")


@pytest.mark.parametrize("data", [None, [], "not json", 5])
def test_record_without_an_object_is_transient(data: object) -> None:
    for parse in (market.parse_record, veo.parse_record, suno.parse_record):
        with pytest.raises(KieTransientError):
            parse(data, "x")


def test_market_record_as_json_string_is_read() -> None:
    record = market.parse_record(json.dumps(samples.MARKET_RECORD_SUCCESS), "x")
    assert record.state is TaskState.SUCCEEDED


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        (0, TaskState.RUNNING),
        (1, TaskState.SUCCEEDED),
        (2, TaskState.FAILED),
        (3, TaskState.FAILED),
        ("1", TaskState.SUCCEEDED),
        (None, TaskState.PENDING),
        (9, TaskState.RUNNING),
    ],
)
def test_veo_success_flags(flag: object, expected: TaskState) -> None:
    response = {"resultUrls": ["https://x/v.mp4"]}
    record = veo.parse_record(samples.veo_record(flag, response), "x")
    assert record.state is expected
    assert record.raw_state == ("" if flag is None else str(flag))


@pytest.mark.parametrize(
    "result_urls",
    [
        ["https://example.com/video1"],
        json.dumps(["https://example.com/video1"]),
        "https://example.com/video1",
    ],
)
def test_veo_result_urls_as_list_json_string_or_single_url(result_urls: object) -> None:
    response = {"resultUrls": result_urls, "originUrls": ["https://example.com/o.mp4"]}
    record = veo.parse_record(samples.veo_record(1, response), "x")
    assert record.results == (ResultFile(url="https://example.com/video1", kind=MediaKind.VIDEO),)
    assert record.model == "veo3_fast"


def test_veo_origin_urls_when_no_result_urls() -> None:
    response = {"resultUrls": [], "originUrls": ["https://example.com/o.mp4"]}
    record = veo.parse_record(samples.veo_record(1, response), "x")
    assert [r.url for r in record.results] == ["https://example.com/o.mp4"]


def test_veo_failure_reads_error_code_and_message() -> None:
    data = samples.veo_record(3, None, errorCode=400, errorMessage="flagged")
    record = veo.parse_record(data, "x")
    assert record.state is TaskState.FAILED
    assert record.fail_code == "400"
    assert record.fail_message == "flagged"
    assert record.results == ()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("PENDING", TaskState.PENDING),
        ("TEXT_SUCCESS", TaskState.RUNNING),
        ("FIRST_SUCCESS", TaskState.RUNNING),
        ("SUCCESS", TaskState.SUCCEEDED),
        ("CREATE_TASK_FAILED", TaskState.FAILED),
        ("GENERATE_AUDIO_FAILED", TaskState.FAILED),
        ("CALLBACK_EXCEPTION", TaskState.FAILED),
        ("SENSITIVE_WORD_ERROR", TaskState.FAILED),
        ("SOME_NEW_FAILED", TaskState.FAILED),
        ("SOME_NEW_STAGE", TaskState.RUNNING),
    ],
)
def test_suno_statuses(status: str, expected: TaskState) -> None:
    record = suno.parse_record(samples.suno_record(status), "x")
    assert record.state is expected
    assert record.raw_state == status
    assert record.results == ()


def test_suno_success_lists_tracks_with_titles() -> None:
    record = suno.parse_record(samples.suno_record("SUCCESS", samples.SUNO_RECORD_TRACKS), "x")
    assert record.task_id == "5c79be8e"
    assert record.results == (
        ResultFile("https://example.cn/one.mp3", MediaKind.AUDIO, "Night City"),
        ResultFile("https://example.cn/two.mp3", MediaKind.AUDIO, "Night City II"),
    )
    assert record.model == "V4_5"


def test_suno_first_stage_lists_only_finished_tracks() -> None:
    tracks = [samples.SUNO_RECORD_TRACKS[0], {"id": "2", "audioUrl": "", "title": "later"}]
    record = suno.parse_record(samples.suno_record("FIRST_SUCCESS", tracks), "x")
    assert record.state is TaskState.RUNNING
    assert [r.title for r in record.results] == ["Night City"]


def test_suno_snake_case_tracks_are_read_too() -> None:
    tracks = samples.SUNO_TRACKS_SNAKE
    record = suno.parse_record(samples.suno_record("SUCCESS", tracks), "x")
    assert [r.url for r in record.results] == [
        "https://example.cn/track1.mp3",
        "https://example.cn/track2.mp3",
    ]


def test_suno_failure_reads_error() -> None:
    data = samples.suno_record("SENSITIVE_WORD_ERROR", errorCode=400, errorMessage="bad words")
    record = suno.parse_record(data, "x")
    assert (record.fail_code, record.fail_message) == ("400", "bad words")


def test_create_bodies_per_family() -> None:
    fields = {"prompt": "a cat", "duration": "5"}
    assert market.build_create_body("z-image", fields, None) == {
        "model": "z-image",
        "input": {"prompt": "a cat", "duration": "5"},
    }
    assert veo.build_create_body("veo3_fast", fields, "https://cb") == {
        "prompt": "a cat",
        "duration": "5",
        "model": "veo3_fast",
        "callBackUrl": "https://cb",
    }
    with pytest.raises(KieInvalidRequest):
        suno.build_create_body("V4_5", fields, None)
    with pytest.raises(ValueError, match="callBackUrl"):
        suno.build_create_body("V4_5", fields, None)


@pytest.mark.parametrize(
    ("url", "default", "expected"),
    [
        ("https://x/a.JPG", MediaKind.OTHER, MediaKind.IMAGE),
        ("https://x/a.webp?sig=1", MediaKind.OTHER, MediaKind.IMAGE),
        ("https://x/a.mp4#t=1", MediaKind.OTHER, MediaKind.VIDEO),
        ("https://x/a.wav", MediaKind.OTHER, MediaKind.AUDIO),
        ("https://x/a", MediaKind.VIDEO, MediaKind.VIDEO),
        ("https://x/a.bin", MediaKind.OTHER, MediaKind.OTHER),
        ("http://[broken/a.png", MediaKind.AUDIO, MediaKind.AUDIO),
    ],
)
def test_guess_kind(url: str, default: MediaKind, expected: MediaKind) -> None:
    assert guess_kind(url, default) is expected
