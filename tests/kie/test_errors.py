import json

import pytest

from trt.kie.envelope import unwrap
from trt.kie.errors import (
    KieAuthError,
    KieError,
    KieInsufficientCredits,
    KiePermanentError,
    KieRateLimited,
    KieTransientError,
    classify,
)


@pytest.mark.parametrize(
    ("http_status", "body_code", "expected"),
    [
        (200, 200, None),
        (200, None, None),
        (201, None, None),
        # Failures inside HTTP 200: the body code decides.
        (200, 401, KieAuthError),
        (200, 402, KieInsufficientCredits),
        (200, 400, KiePermanentError),
        (200, 404, KiePermanentError),
        (200, 408, KieTransientError),
        (200, 409, KiePermanentError),
        (200, 413, KiePermanentError),
        (200, 422, KiePermanentError),
        (200, 429, KieRateLimited),
        (200, 433, KiePermanentError),
        (200, 451, KiePermanentError),
        (200, 455, KieTransientError),
        (200, 500, KieTransientError),
        (200, 501, KiePermanentError),
        (200, 505, KiePermanentError),
        (200, 531, KieTransientError),
        (200, 0, KiePermanentError),
        (200, 700, KiePermanentError),
        # Real HTTP failures without a body code.
        (400, None, KiePermanentError),
        (401, None, KieAuthError),
        (402, None, KieInsufficientCredits),
        (403, None, KiePermanentError),
        (404, None, KiePermanentError),
        (405, None, KiePermanentError),
        (408, None, KieTransientError),
        (422, None, KiePermanentError),
        (429, None, KieRateLimited),
        (500, None, KieTransientError),
        (501, None, KiePermanentError),
        (502, None, KieTransientError),
        (503, None, KieTransientError),
        (504, None, KieTransientError),
        (505, None, KiePermanentError),
        # A proxy's status wins over a body that claims success.
        (503, 200, KieTransientError),
        (429, 200, KieRateLimited),
        # Both failing: the body code carries KIE's meaning.
        (500, 402, KieInsufficientCredits),
        (400, 500, KieTransientError),
    ],
)
def test_classify_table(
    http_status: int, body_code: int | None, expected: type[KieError] | None
) -> None:
    assert classify(http_status, body_code) is expected


def test_rate_limited_is_transient_and_auth_is_permanent() -> None:
    assert issubclass(KieRateLimited, KieTransientError)
    assert issubclass(KieAuthError, KiePermanentError)
    assert issubclass(KieInsufficientCredits, KiePermanentError)


def body(document: object) -> bytes:
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("http_status", "raw", "expected"),
    [
        (200, body({"code": 200, "msg": "success", "data": 100}), 100),
        (200, body({"code": "200", "message": "success", "data": {"a": 1}}), {"a": 1}),
        (200, body({"code": 200, "msg": "success"}), None),
        (200, body({"data": "no code at all"}), "no code at all"),
    ],
)
def test_unwrap_returns_data(http_status: int, raw: bytes, expected: object) -> None:
    assert unwrap(http_status, raw) == expected


@pytest.mark.parametrize(
    ("http_status", "raw", "expected", "message"),
    [
        (
            200,
            body({"code": 422, "msg": "recordInfo is null", "data": None}),
            KiePermanentError,
            "recordInfo is null",
        ),
        (
            200,
            body({"code": 429, "message": "Rate limit exceeded"}),
            KieRateLimited,
            "Rate limit exceeded",
        ),
        (
            200,
            body({"code": 401, "msg": "You do not have access permissions"}),
            KieAuthError,
            "You do not have access permissions",
        ),
        (
            200,
            b'{"code":200,"msg":"success","data":{"taskId":"ab',
            KieTransientError,
            "not a JSON object",
        ),
        (200, b"", KieTransientError, "empty response body"),
        (200, b"[1, 2]", KieTransientError, "not a JSON object"),
        (200, b"<html>ok</html>", KieTransientError, "not a JSON object"),
        (502, b"<html>Bad Gateway</html>", KieTransientError, "HTTP 502 without a KIE envelope"),
        (404, b"Not Found", KiePermanentError, "HTTP 404 without a KIE envelope"),
        (
            200,
            body({"success": False, "code": 200, "msg": "bad path"}),
            KiePermanentError,
            "bad path",
        ),
    ],
)
def test_unwrap_raises_classified_errors(
    http_status: int, raw: bytes, expected: type[KieError], message: str
) -> None:
    with pytest.raises(expected) as caught:
        unwrap(http_status, raw)
    assert type(caught.value) is expected
    assert message in caught.value.message
    assert caught.value.http_status == http_status


def test_unwrap_keeps_the_body_code() -> None:
    with pytest.raises(KieInsufficientCredits) as caught:
        unwrap(200, body({"code": 402, "msg": "Insufficient credits"}))
    assert caught.value.code == 402
    assert str(caught.value) == "Insufficient credits (http_status=200, code=402)"
