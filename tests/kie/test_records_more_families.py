"""Record parsers and create bodies of Flux Kontext, 4o Image and Runway."""

import pytest

from trt.kie.errors import KieTransientError
from trt.kie.families import flux_kontext, gpt4o_image, runway
from trt.kie.records import MediaKind, ResultFile, TaskState


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        (None, TaskState.PENDING),
        (0, TaskState.RUNNING),
        (1, TaskState.SUCCEEDED),
        ("1", TaskState.SUCCEEDED),
        (2, TaskState.FAILED),
        (3, TaskState.FAILED),
        (9, TaskState.RUNNING),
    ],
)
def test_success_flag_families_read_the_flag(flag: object, expected: TaskState) -> None:
    data = {"taskId": "t", "successFlag": flag}
    for parse in (flux_kontext.parse_record, gpt4o_image.parse_record):
        assert parse(data, "t").state is expected


def test_flux_kontext_success_reads_the_result_image() -> None:
    data = {
        "taskId": "fk1",
        "successFlag": 1,
        "paramJson": '{"model":"flux-kontext-max","prompt":"cat"}',
        "response": {"originImageUrl": "https://x/o.png", "resultImageUrl": "https://x/r.jpg"},
    }
    record = flux_kontext.parse_record(data, "fk1")
    assert record.results == (ResultFile(url="https://x/r.jpg", kind=MediaKind.IMAGE),)
    assert record.model == "flux-kontext-max"


def test_flux_kontext_falls_back_to_the_origin_copy_and_reads_failures() -> None:
    only_origin = {"successFlag": 1, "response": {"originImageUrl": "https://x/o"}}
    [file] = flux_kontext.parse_record(only_origin, "t").results
    assert (file.url, file.kind) == ("https://x/o", MediaKind.IMAGE)
    failed = {"successFlag": 3, "errorCode": 501, "errorMessage": "Image generation failed"}
    record = flux_kontext.parse_record(failed, "t")
    assert (record.state, record.fail_code, record.fail_message) == (
        TaskState.FAILED,
        "501",
        "Image generation failed",
    )


@pytest.mark.parametrize(
    ("status", "flag", "expected"),
    [
        ("GENERATING", 0, TaskState.RUNNING),
        ("SUCCESS", 1, TaskState.SUCCEEDED),
        ("CREATE_TASK_FAILED", 2, TaskState.FAILED),
        ("GENERATE_FAILED", 0, TaskState.FAILED),  # the status wins over the flag
        ("SOMETHING_NEW", 1, TaskState.SUCCEEDED),  # an unknown status leaves it to the flag
    ],
)
def test_gpt4o_status_and_flag(status: str, flag: int, expected: TaskState) -> None:
    data = {"taskId": "t", "status": status, "successFlag": flag, "response": {}}
    assert gpt4o_image.parse_record(data, "t").state is expected


def test_gpt4o_success_lists_every_result_url() -> None:
    urls = ["https://x/1.png", "https://x/2"]
    data = {"status": "SUCCESS", "successFlag": 1, "response": {"resultUrls": urls}}
    record = gpt4o_image.parse_record(data, "t")
    assert [(f.url, f.kind) for f in record.results] == [(u, MediaKind.IMAGE) for u in urls]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("wait", TaskState.PENDING),
        ("queueing", TaskState.PENDING),
        ("generating", TaskState.RUNNING),
        ("success", TaskState.SUCCEEDED),
        ("fail", TaskState.FAILED),
        ("new-state", TaskState.RUNNING),
    ],
)
def test_runway_states(state: str, expected: TaskState) -> None:
    assert runway.parse_record({"taskId": "r", "state": state}, "r").state is expected


def test_runway_success_delivers_the_video_not_its_cover() -> None:
    data = {
        "taskId": "r1",
        "state": "success",
        "videoInfo": {"videoUrl": "https://x/v.mp4", "imageUrl": "https://x/cover.png"},
    }
    assert runway.parse_record(data, "r1").results == (
        ResultFile(url="https://x/v.mp4", kind=MediaKind.VIDEO),
    )
    failed = runway.parse_record({"state": "fail", "failMsg": "flagged"}, "r1")
    assert (failed.state, failed.fail_message) == (TaskState.FAILED, "flagged")


@pytest.mark.parametrize(
    "parse",
    [
        flux_kontext.parse_record,
        gpt4o_image.parse_record,
        runway.parse_record,
    ],
)
@pytest.mark.parametrize("data", [None, "", [], 7])
def test_a_record_that_is_not_an_object_is_transient(parse: object, data: object) -> None:
    with pytest.raises(KieTransientError):
        parse(data, "t")  # type: ignore[operator]


def test_create_bodies() -> None:
    fields = {"prompt": "a cat"}
    assert flux_kontext.build_create_body("flux-kontext-pro", fields, "https://cb") == {
        "prompt": "a cat",
        "model": "flux-kontext-pro",
        "callBackUrl": "https://cb",
    }
    assert gpt4o_image.build_create_body("gpt4o-image", fields, None) == {"prompt": "a cat"}
    assert runway.build_create_body("runway", fields, None) == {"prompt": "a cat"}
