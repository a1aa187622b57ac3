"""Callback parsing and signatures.

A KIE callback is a wake-up, not the truth (REFERENCE §3.2, §3.5): KIE's HMAC covers only the
task id and a timestamp, never the body. So `parse_callback` pulls out just what is needed to
find the job (our `job`/`sig` query parameters and the task id) plus hints (family, Suno
stage, body code); the caller then re-reads the task from KIE's record endpoint.

`parse_callback` never raises, whatever arrives: empty, binary, form-encoded, wrong types,
JSON inside strings, absurd nesting or size. Beyond `MAX_BODY_BYTES` the body is not read.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode

from trt.domain.families import ApiFamily
from trt.kie.payload import as_int, as_mapping, decode_json

MAX_BODY_BYTES: Final = 1 << 20
MAX_REF_LENGTH: Final = 256
JOB_SIGNATURE_HEX: Final = 32
KIE_TIMESTAMP_HEADER: Final = "X-Webhook-Timestamp"
KIE_SIGNATURE_HEADER: Final = "X-Webhook-Signature"
_TASK_ID_KEYS: Final = ("taskId", "task_id", "recordId")
_DATA_SIGNS: Final = (
    (("callbackType",), ApiFamily.SUNO),
    (("state", "param", "resultJson"), ApiFamily.MARKET),
    (("video_url", "video_id"), ApiFamily.RUNWAY),
)
_INFO_SIGNS: Final = (
    (("resultImageUrl", "originImageUrl"), ApiFamily.FLUX_KONTEXT),
    (("result_urls",), ApiFamily.GPT4O_IMAGE),
    (("resultUrls", "originUrls"), ApiFamily.VEO),
)
_MILLISECONDS_FROM: Final = 10**11  # a Unix time this large is in milliseconds, not seconds


@dataclass(frozen=True, slots=True)
class CallbackWakeup:
    task_id: str | None
    job_ref: str | None
    job_sig: str | None
    family: ApiFamily | None
    callback_type: str | None
    body_code: int | None


def parse_callback(
    body: bytes, query: Mapping[str, str], headers: Mapping[str, str]
) -> CallbackWakeup:
    """What a callback says about which task woke up; fields it lacks are None.

    `headers` are taken as the web layer has them but not read: Content-Type is not trusted
    (JSON is tried first, then a form), and KIE's HMAC is `verify_kie_signature`'s job.
    """
    document = _read_body(body)
    top = as_mapping(document)
    data = as_mapping(top.get("data"))
    return CallbackWakeup(
        task_id=_task_id(data) or _task_id(top),
        job_ref=_reference(_lookup(query, "job")),
        job_sig=_reference(_lookup(query, "sig")),
        family=_guess_family(data),
        callback_type=_reference(data.get("callbackType")),
        body_code=as_int(top.get("code")),
    )


def verify_kie_signature(
    *, task_id: str, headers: Mapping[str, str], hmac_key: str, now: float, window: float = 300
) -> bool:
    """KIE's optional HMAC: base64(HMAC-SHA256(key, f"{task_id}.{timestamp}")), fresh timestamp."""
    timestamp = _header(headers, KIE_TIMESTAMP_HEADER)
    signature = _header(headers, KIE_SIGNATURE_HEADER)
    if not (task_id and hmac_key and timestamp and signature):
        return False
    seconds = as_int(timestamp)
    if seconds is None:
        return False
    # Documented as seconds; a millisecond stamp is read as such rather than rejected.
    sent_at = seconds / 1000 if seconds >= _MILLISECONDS_FROM else seconds
    if not abs(now - sent_at) <= window:  # also rejects a NaN clock or window
        return False
    digest = hmac.new(_utf8(hmac_key), _utf8(f"{task_id}.{timestamp}"), hashlib.sha256)
    expected = base64.b64encode(digest.digest())
    return hmac.compare_digest(expected, _utf8(signature.strip()))


def sign_job(job_id: str, secret: str) -> str:
    """Our own signature of a job id for the callback URL: truncated hex HMAC-SHA256."""
    if not secret:
        raise ValueError("the callback secret must not be empty")
    digest = hmac.new(_utf8(secret), _utf8(job_id), hashlib.sha256).hexdigest()
    return digest[:JOB_SIGNATURE_HEX]


def verify_job_signature(job_id: object, sig: object, secret: str) -> bool:
    """True only for the exact signature `sign_job` makes; False for any junk."""
    if not (isinstance(job_id, str) and isinstance(sig, str) and job_id and secret):
        return False
    if len(sig) != JOB_SIGNATURE_HEX:
        return False
    expected = sign_job(job_id, secret).encode()
    return hmac.compare_digest(expected, _utf8(sig.lower()))


def callback_url(public_base_url: str, job_id: str, secret: str) -> str:
    """`<base>/callbacks/kie?job=<id>&sig=<sig>` for the create request's callBackUrl."""
    query = urlencode({"job": job_id, "sig": sign_job(job_id, secret)})
    return f"{public_base_url.rstrip('/')}/callbacks/kie?{query}"


def _read_body(body: bytes) -> object:
    """The body as JSON, or as a form whose fields may hold JSON; None when unreadable."""
    if not body or len(body) > MAX_BODY_BYTES:
        return None
    document = decode_json(body)
    if document is not None:
        return document
    text = body.decode("utf-8", "replace")
    if "=" not in text:
        return None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=1000)
    except ValueError:  # more fields than any callback has
        return None
    form: dict[str, object] = {}
    for key, value in pairs:
        decoded = decode_json(value) if value[:1] in ("{", "[") else None
        form.setdefault(key, value if decoded is None else decoded)
    # A form carrying the whole JSON document in one field (e.g. `payload=`) reads as that.
    if "data" not in form and "code" not in form and len(form) == 1:
        only = next(iter(form.values()))
        if isinstance(only, Mapping):
            return only
    return form


def _task_id(source: Mapping[str, object]) -> str | None:
    for key in _TASK_ID_KEYS:
        task_id = _reference(source.get(key))
        if task_id is not None:
            return task_id
    return None


def _guess_family(data: Mapping[str, object]) -> ApiFamily | None:
    """The family whose documented callback has these keys (REFERENCE §3.4), most telling first.
    Midjourney and Luma (not sold) send `resultUrls` beside `promptJson`: no family named."""
    keys = data.keys()
    for signs, family in _DATA_SIGNS:
        if not keys.isdisjoint(signs):
            return family
    info = as_mapping(data.get("info")).keys()
    for signs, family in _INFO_SIGNS:
        if not info.isdisjoint(signs):
            return family
    if "fallbackFlag" in keys or ("promptJson" in keys and "resultUrls" not in keys):
        return ApiFamily.VEO
    return None


def _reference(value: object) -> str | None:
    """A short printable id: strings are stripped, integers written out, all else None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_REF_LENGTH or not value.isprintable():
        return None
    return value


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate from a mangled request must not raise.
    return text.encode("utf-8", "surrogatepass")


def _lookup(source: Mapping[str, str], name: str) -> object:
    try:
        return source.get(name)
    except (TypeError, AttributeError):
        return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that works on plain dicts too."""
    wanted = name.lower()
    try:
        items = list(headers.items())
    except (TypeError, AttributeError):
        return None
    for key, value in items:
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
            return value
    return None
