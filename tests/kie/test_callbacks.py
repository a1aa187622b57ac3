import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.kie import samples
from trt.domain.families import ApiFamily
from trt.kie import (
    CallbackWakeup,
    callback_url,
    parse_callback,
    sign_job,
    verify_job_signature,
    verify_kie_signature,
)

JSON_HEADERS = {"Content-Type": "application/json"}
QUERY = {"job": "17", "sig": "0123456789abcdef0123456789abcdef"}


def wakeup(document: object, query: dict[str, str] | None = None) -> CallbackWakeup:
    return parse_callback(json.dumps(document).encode(), query or QUERY, JSON_HEADERS)


@pytest.mark.parametrize(
    ("document", "task_id", "family", "callback_type", "code"),
    [
        (
            samples.MARKET_CALLBACK_SUCCESS,
            "bd8f4b1a52048d0f17a38b49591abfa1",
            ApiFamily.MARKET,
            None,
            200,
        ),
        (
            samples.MARKET_CALLBACK_FAIL,
            "e989621f54392584b05867f87b160672",
            ApiFamily.MARKET,
            None,
            501,
        ),
        (samples.VEO_CALLBACK_SUCCESS, "veo_task_abcdef123456", ApiFamily.VEO, None, 200),
        (samples.VEO_CALLBACK_FAIL, "veo_task_flagged", ApiFamily.VEO, None, 400),
        (samples.VEO_4K_CALLBACK, "veo_4k_task", ApiFamily.VEO, None, 200),
        (samples.suno_callback("text", None), "2fac9f72", ApiFamily.SUNO, "text", 200),
        (samples.suno_callback("text", []), "2fac9f72", ApiFamily.SUNO, "text", 200),
        (
            samples.suno_callback("first", samples.SUNO_FIRST_TRACKS),
            "2fac9f72",
            ApiFamily.SUNO,
            "first",
            200,
        ),
        (
            samples.suno_callback("complete", samples.SUNO_TRACKS_SNAKE),
            "2fac9f72",
            ApiFamily.SUNO,
            "complete",
            200,
        ),
        (samples.suno_callback("error", None, code=501), "2fac9f72", ApiFamily.SUNO, "error", 501),
        (
            samples.RUNWAY_CALLBACK,
            "ee603959-debb-48d1-98c4-a6d1c717eba6",
            ApiFamily.RUNWAY,
            None,
            200,
        ),
        (samples.FLUX_KONTEXT_CALLBACK, "task12345", ApiFamily.FLUX_KONTEXT, None, 200),
        (samples.GPT4O_CALLBACK, "task4o", ApiFamily.GPT4O_IMAGE, None, 200),
        (samples.MJ_CALLBACK, "mj_task_12345", None, None, 200),
        (samples.ALEPH_CALLBACK, "ee603959-aleph", None, None, 200),
        (samples.ALEPH_CALLBACK_FAIL, "aleph-failed", None, None, 400),
    ],
)
def test_documented_callbacks(
    document: object,
    task_id: str,
    family: ApiFamily | None,
    callback_type: str | None,
    code: int,
) -> None:
    assert wakeup(document) == CallbackWakeup(
        task_id=task_id,
        job_ref="17",
        job_sig="0123456789abcdef0123456789abcdef",
        family=family,
        callback_type=callback_type,
        body_code=code,
    )


@pytest.mark.parametrize(
    ("document", "task_id"),
    [
        ({"code": 200, "data": {"taskId": 12345}}, "12345"),
        ({"code": "200", "data": json.dumps({"taskId": "in-a-string"})}, "in-a-string"),
        ({"data": ["taskId", "x"], "task_id": "top-snake"}, "top-snake"),
        ({"data": "not json", "taskId": "top"}, "top"),
        ({"data": 7, "recordId": "rec-1"}, "rec-1"),
        ({"data": {"recordId": "rec-2"}}, "rec-2"),
        ({"data": {"taskId": "  padded  "}}, "padded"),
        ({"data": {"taskId": ""}, "taskId": "fallback"}, "fallback"),
        ({"data": {"taskId": True}}, None),
        ({"data": {"taskId": 1.5}}, None),
        ({"data": {"taskId": {"nested": 1}}}, None),
        ({"data": {"taskId": "x" * 300}}, None),
        ({"data": {"taskId": "bad\nline"}}, None),
        ([1, 2, 3], None),
        ("just a string", None),
        (None, None),
    ],
)
def test_task_id_from_odd_shapes(document: object, task_id: str | None) -> None:
    assert wakeup(document).task_id == task_id


@pytest.mark.parametrize(
    "body",
    [
        b"taskId=form-task&code=200",
        b"code=200&data=%7B%22taskId%22%3A%22form-task%22%7D",
        b"payload=%7B%22code%22%3A200%2C%22data%22%3A%7B%22taskId%22%3A%22form-task%22%7D%7D",
    ],
)
def test_form_encoded_callbacks(body: bytes) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    result = parse_callback(body, {}, headers)
    assert result.task_id == "form-task"
    assert result.body_code == 200


def test_json_body_sent_as_a_form_is_still_json() -> None:
    body = json.dumps(samples.MARKET_CALLBACK_SUCCESS).encode()
    result = parse_callback(body, {}, {"Content-Type": "application/x-www-form-urlencoded"})
    assert result.family is ApiFamily.MARKET


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"\xff\xfe\x00garbage", b"{" * 100_000, b"[" * 100_000, b'{"data":']
)
def test_unreadable_bodies_still_give_query_fields(body: bytes) -> None:
    result = parse_callback(body, QUERY, {})
    assert result == CallbackWakeup(None, "17", QUERY["sig"], None, None, None)


def test_huge_body_is_not_parsed_but_query_is_read() -> None:
    document = {"code": 200, "data": {"taskId": "t", "pad": "x" * (1 << 20)}}
    result = parse_callback(json.dumps(document).encode(), QUERY, JSON_HEADERS)
    assert result.task_id is None
    assert result.job_ref == "17"


@pytest.mark.parametrize(
    ("query", "job_ref", "job_sig"),
    [
        ({}, None, None),
        ({"job": "", "sig": " "}, None, None),
        ({"job": "42"}, "42", None),
        ({"job": "x" * 1000, "sig": "ok"}, None, "ok"),
    ],
)
def test_query_fields(query: dict[str, str], job_ref: str | None, job_sig: str | None) -> None:
    result = parse_callback(b"", query, {})
    assert (result.job_ref, result.job_sig) == (job_ref, job_sig)


KEY = "webhook-hmac-key"
NOW = 1_787_567_409.0


def kie_headers(task_id: str, timestamp: int | str, key: str = KEY) -> dict[str, str]:
    message = f"{task_id}.{timestamp}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return {
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": base64.b64encode(digest).decode(),
    }


def test_kie_signature_accepted() -> None:
    headers = kie_headers("task-1", int(NOW) - 10)
    assert verify_kie_signature(task_id="task-1", headers=headers, hmac_key=KEY, now=NOW)


def test_kie_signature_header_names_are_case_insensitive() -> None:
    headers = {key.lower(): value for key, value in kie_headers("task-1", int(NOW)).items()}
    assert verify_kie_signature(task_id="task-1", headers=headers, hmac_key=KEY, now=NOW)


def test_kie_signature_in_milliseconds_is_read_as_such() -> None:
    headers = kie_headers("task-1", int(NOW * 1000))
    assert verify_kie_signature(task_id="task-1", headers=headers, hmac_key=KEY, now=NOW)


@pytest.mark.parametrize(
    ("task_id", "headers", "hmac_key"),
    [
        ("task-1", kie_headers("task-1", int(NOW), key="other-key"), KEY),
        ("task-2", kie_headers("task-1", int(NOW)), KEY),
        ("task-1", kie_headers("task-1", int(NOW) - 301), KEY),
        ("task-1", kie_headers("task-1", int(NOW) + 301), KEY),
        ("task-1", {"X-Webhook-Timestamp": str(int(NOW))}, KEY),
        (
            "task-1",
            {"X-Webhook-Signature": kie_headers("task-1", int(NOW))["X-Webhook-Signature"]},
            KEY,
        ),
        ("task-1", {}, KEY),
        ("task-1", {"X-Webhook-Timestamp": "soon", "X-Webhook-Signature": "abc"}, KEY),
        ("task-1", {"X-Webhook-Timestamp": str(int(NOW)), "X-Webhook-Signature": "ÿ€junk"}, KEY),
        ("task-1", kie_headers("task-1", int(NOW), key=""), ""),
        ("", kie_headers("", int(NOW)), KEY),
    ],
)
def test_kie_signature_rejected(task_id: str, headers: dict[str, str], hmac_key: str) -> None:
    assert not verify_kie_signature(task_id=task_id, headers=headers, hmac_key=hmac_key, now=NOW)


def flipped(sig: str) -> str:
    return sig[:-1] + ("1" if sig[-1] == "0" else "0")


def test_job_signature_round_trip() -> None:
    sig = sign_job("17", "callback-secret")
    assert len(sig) == 32
    assert int(sig, 16) >= 0
    assert verify_job_signature("17", sig, "callback-secret")
    assert verify_job_signature("17", sig.upper(), "callback-secret")


@pytest.mark.parametrize(
    ("job_id", "sig", "secret"),
    [
        ("18", sign_job("17", "s"), "s"),
        ("17", sign_job("17", "s"), "t"),
        ("17", flipped(sign_job("17", "s")), "s"),
        ("17", sign_job("17", "s")[:31], "s"),
        ("17", "", "s"),
        ("17", None, "s"),
        (None, sign_job("17", "s"), "s"),
        ("17", "\udcff" * 32, "s"),
        ("17", sign_job("17", "s"), ""),
    ],
)
def test_job_signature_rejects_tampering_and_junk(job_id: object, sig: object, secret: str) -> None:
    assert not verify_job_signature(job_id, sig, secret)


def test_sign_job_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        sign_job("17", "")


def test_callback_url_carries_a_verifiable_signature() -> None:
    url = callback_url("https://bot.example/", "17", "callback-secret")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://bot.example/callbacks/kie"
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query == {"job": "17", "sig": sign_job("17", "callback-secret")}
    assert url == "https://bot.example/callbacks/kie?" + urlencode(query)
    result = parse_callback(b"", query, {})
    assert result.job_ref is not None
    assert result.job_sig is not None
    assert verify_job_signature(result.job_ref, result.job_sig, "callback-secret")
