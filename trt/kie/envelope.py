"""The `{"code", "msg", "data"}` envelope around (almost) every KIE answer.

`unwrap` checks the HTTP status and the body's `code` (KIE reports failures inside HTTP 200),
and returns `data`. An unreadable 2xx body is transient: KIE has been seen truncating large
record answers (REFERENCE §2.2), and asking again usually works.
"""

from collections.abc import Mapping

from trt.kie.errors import KiePermanentError, KieTransientError, classify
from trt.kie.payload import as_int, decode_json, first_text


def unwrap(http_status: int, body: bytes) -> object:
    """`data` of a successful answer; raise the classified KieError otherwise."""
    document = decode_json(body) if body else None
    if not isinstance(document, Mapping):
        error = classify(http_status, None) or KieTransientError
        raise error(_unreadable(http_status, body), http_status=http_status)
    code = as_int(document.get("code"))
    message = first_text(document, "msg", "message") or ""
    error_class = classify(http_status, code)
    if error_class is not None:
        raise error_class(message or "KIE reported a failure", http_status=http_status, code=code)
    # Only the upload host sends `success`; false there is a refusal despite code 200.
    if document.get("success") is False:
        raise KiePermanentError(message or "KIE reported success=false", http_status=http_status)
    return document.get("data")


def _unreadable(http_status: int, body: bytes) -> str:
    if not body:
        return "empty response body"
    if 200 <= http_status < 300:
        return f"response is not a JSON object ({len(body)} bytes)"
    return f"HTTP {http_status} without a KIE envelope"
