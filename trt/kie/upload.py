"""KIE file upload API (REFERENCE §5): request bodies, answer parsing and the fallback rule.

The stream upload is tried first (no base64 overhead). The base64 upload is the fallback only
when the stream endpoint refuses for good for a reason the base64 endpoint may not share
(404/405 route missing, 413/415/422 rejected form, 501/505, `success: false`). Transient
failures are not a reason: both endpoints live on the same host, so a host that is down after a
full retry budget is down for both, and the caller retries later anyway. Auth and credit
refusals are account-wide and are raised as they are.
"""

import base64
from collections.abc import Mapping
from typing import Final

import aiohttp

from trt.kie.errors import (
    KieAuthError,
    KieError,
    KieInsufficientCredits,
    KieInvalidRequest,
    KiePermanentError,
    KieTransientError,
)
from trt.kie.payload import as_mapping, first_text

STREAM_PATH: Final = "/api/file-stream-upload"
BASE64_PATH: Final = "/api/file-base64-upload"
DEFAULT_UPLOAD_PATH: Final = "trt/inputs"


def clean_upload_path(upload_path: str) -> str:
    """KIE wants `uploadPath` without leading or trailing slashes."""
    cleaned = upload_path.strip().strip("/")
    if not cleaned:
        raise KieInvalidRequest("uploadPath must not be empty")
    return cleaned


def stream_form(
    *, data: bytes, file_name: str, mime_type: str, upload_path: str
) -> aiohttp.FormData:
    """A fresh multipart form; aiohttp cannot send one FormData twice, so build one per try."""
    form = aiohttp.FormData()
    form.add_field("file", data, filename=file_name, content_type=mime_type)
    form.add_field("uploadPath", upload_path)
    form.add_field("fileName", file_name)
    return form


def base64_body(
    *, data: bytes, file_name: str, mime_type: str, upload_path: str
) -> dict[str, object]:
    encoded = base64.b64encode(data).decode("ascii")
    return {
        "base64Data": f"data:{mime_type};base64,{encoded}",
        "uploadPath": upload_path,
        "fileName": file_name,
    }


def download_url(data: object) -> str:
    """`data.downloadUrl` (endpoint pages), else `data.fileUrl` (quickstart shape)."""
    fields: Mapping[str, object] = as_mapping(data)
    url = first_text(fields, "downloadUrl", "fileUrl")
    if url is None or not url.startswith(("https://", "http://")):
        raise KieTransientError("upload answered without a download URL")
    return url


def should_fall_back(error: KieError) -> bool:
    """True when a failed stream upload is worth one base64 attempt (see module docstring)."""
    if isinstance(error, KieAuthError | KieInsufficientCredits | KieInvalidRequest):
        return False
    return isinstance(error, KiePermanentError)
