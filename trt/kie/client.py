"""The one KIE HTTP client: auth, per-request timeouts, retries with backoff, error mapping.

Every call goes through `_call`: one attempt is one HTTP request plus parsing of its answer;
a KieTransientError (from the network, the status, the body code or an unreadable body) is
retried with full-jitter backoff while attempts and the time budget last; anything else
propagates at once. Logs carry the method, the URL path and the outcome, never the API key,
the query string or the host (an upload base may carry credentials).
"""

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final, TypeVar

import aiohttp
import structlog
from yarl import URL

from trt.domain.families import ApiFamily
from trt.httpclient import OwnedSession, Retrying, RetryPolicy, read_capped, with_retries
from trt.httpclient.retry import Sleep
from trt.kie import upload
from trt.kie.envelope import unwrap
from trt.kie.errors import (
    KieError,
    KieInvalidRequest,
    KiePermanentError,
    KieTaskNotFound,
    KieTransientError,
)
from trt.kie.families import adapter_for
from trt.kie.payload import as_decimal, as_mapping, as_text, first_text
from trt.kie.records import TaskRecord

log = structlog.get_logger(__name__)

T = TypeVar("T")
FormFactory = Callable[[], aiohttp.FormData]

CREDIT_PATH: Final = "/api/v1/chat/credit"
MAX_RESPONSE_BYTES: Final = 16 << 20
_NOT_FOUND_CODES: Final = frozenset({404, 422})


class KieClient(OwnedSession):
    """Async client for KIE's API and upload hosts; owns its session when none is given."""

    def __init__(
        self,
        *,
        api_base: str,
        upload_base: str,
        api_key: str,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 30,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, safe to share
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key must not be empty")
        super().__init__(session)
        self._api_base = api_base.rstrip("/")
        self._upload_base = upload_base.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        self._retrying = Retrying(
            policy=retry,
            request_timeout=request_timeout,
            sleep=sleep,
            clock=clock,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not cryptography
        )

    async def create_task(
        self,
        *,
        family: ApiFamily,
        kie_model: str,
        fields: Mapping[str, object],
        callback_url: str | None,
    ) -> str:
        """Start a generation and return KIE's task id."""
        adapter = adapter_for(family)
        body = adapter.build_create_body(kie_model, fields, callback_url)
        # Retried on transient errors too. A 429 is safe ("rejected requests will not enter
        # the queue", REFERENCE §6); after a timeout or 5xx KIE may have created the task
        # anyway, so a retry risks a duplicate task, accepted over failing a paid job.
        task_id = await self._call(
            "POST", self._api_base + adapter.create_path, parse=_task_id_of, json=body
        )
        log.info("kie.task_created", family=str(family), model=kie_model, task_id=task_id)
        return task_id

    async def get_record(self, *, family: ApiFamily, task_id: str) -> TaskRecord:
        """The task's current state and results; KieTaskNotFound when KIE does not know it."""
        adapter = adapter_for(family)
        try:
            return await self._call(
                "GET",
                self._api_base + adapter.record_path,
                parse=lambda data: adapter.parse_record(data, task_id),
                params={"taskId": task_id},
            )
        except KiePermanentError as error:
            if _code_of(error) not in _NOT_FOUND_CODES:
                raise
            raise KieTaskNotFound(
                error.message, http_status=error.http_status, code=error.code
            ) from error

    async def upload_bytes(
        self,
        *,
        data: bytes,
        file_name: str,
        mime_type: str,
        upload_path: str = upload.DEFAULT_UPLOAD_PATH,
    ) -> str:
        """Upload a file and return its public URL; a reused `file_name` overwrites the old file."""
        path = upload.clean_upload_path(upload_path)
        try:
            return await self._call(
                "POST",
                self._upload_base + upload.STREAM_PATH,
                parse=upload.download_url,
                form=lambda: upload.stream_form(
                    data=data, file_name=file_name, mime_type=mime_type, upload_path=path
                ),
            )
        except KieError as error:
            if not upload.should_fall_back(error):
                raise
            log.warning(
                "kie.upload_fallback",
                http_status=error.http_status,
                code=error.code,
                size=len(data),
            )
        body = upload.base64_body(
            data=data, file_name=file_name, mime_type=mime_type, upload_path=path
        )
        return await self._call(
            "POST", self._upload_base + upload.BASE64_PATH, parse=upload.download_url, json=body
        )

    async def credits(self) -> Decimal:
        """Remaining KIE credits on the account."""
        return await self._call("GET", self._api_base + CREDIT_PATH, parse=_credits_of)

    async def _call(
        self,
        method: str,
        url: str,
        *,
        parse: Callable[[object], T],
        json: Mapping[str, object] | None = None,
        params: Mapping[str, str] | None = None,
        form: FormFactory | None = None,
    ) -> T:
        async def attempt(number: int, time_limit: float) -> T:
            data = await self._send(
                method,
                url,
                time_limit=time_limit,
                attempt=number,
                json=json,
                params=params,
                form=form,
            )
            return parse(data)

        return await with_retries(
            attempt,
            retrying=self._retrying,
            transient=KieTransientError,
            event="kie",
            path=URL(url).path,
        )

    async def _send(
        self,
        method: str,
        url: str,
        *,
        time_limit: float,
        attempt: int,
        json: Mapping[str, object] | None,
        params: Mapping[str, str] | None,
        form: FormFactory | None,
    ) -> object:
        path = URL(url).path
        started = time.perf_counter()
        try:
            async with self._http().request(
                method,
                url,
                params=params,
                json=json,
                data=form() if form is not None else None,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=time_limit),
                raise_for_status=False,  # a shared session may default to True; we classify
            ) as response:
                status = response.status
                body = await read_capped(
                    response, limit=MAX_RESPONSE_BYTES, too_big=_too_big(status)
                )
        except aiohttp.InvalidURL as error:
            raise KieInvalidRequest(f"{method} {path}: invalid URL") from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise KieTransientError(f"{method} {path}: {type(error).__name__}") from error
        outcome, code = "ok", None
        try:
            return unwrap(status, body)
        except KieError as error:
            outcome, code = type(error).__name__, error.code
            raise
        finally:
            log.info(
                "kie.request",
                method=method,
                path=path,
                status=status,
                code=code,
                attempt=attempt,
                elapsed_ms=round((time.perf_counter() - started) * 1000),
                outcome=outcome,
            )


def _too_big(status: int) -> Callable[[str], KieTransientError]:
    return lambda reason: KieTransientError(reason, http_status=status)


def _task_id_of(data: object) -> str:
    # Not retried when missing: the task may exist, and a second create would duplicate it.
    task_id = as_text(data) or first_text(as_mapping(data), "taskId", "task_id", "recordId")
    if task_id is None:
        raise KiePermanentError("createTask answered without a taskId")
    return task_id


def _credits_of(data: object) -> Decimal:
    credits = as_decimal(data, signed=True)
    if credits is None:
        raise KieTransientError("credit answer is not a number")
    return credits


def _code_of(error: KieError) -> int | None:
    return error.code if error.code not in (None, 200) else error.http_status
