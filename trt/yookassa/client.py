"""The YooKassa API v3 client (payments and refunds): Basic auth, per-request timeouts, bounded
retries.

Every call goes through `_call`: one attempt is one HTTP request plus reading its answer; a
YooKassaTransientError is retried with full-jitter backoff while attempts and the time budget
last, anything else propagates at once. A create (of a payment or a refund) is retried with the
SAME Idempotence-Key, so YooKassa answers a retry with what the first attempt made, never a
second payment or a second refund.
Logs carry the method, the path and the outcome, never the secret key or the auth header.
"""

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from typing import Final, TypeVar

import aiohttp
import structlog
from yarl import URL

from trt.domain.yookassa import IDEMPOTENCE_KEY_MAX, PAYMENT_ID, YooPayment
from trt.domain.yookassa_refunds import YooRefund
from trt.httpclient import OwnedSession, Retrying, RetryPolicy, read_capped, with_retries
from trt.httpclient.retry import Sleep
from trt.yookassa.answers import parse_payment, parse_refund, raise_for
from trt.yookassa.errors import (
    YooKassaError,
    YooKassaNotFound,
    YooKassaPermanentError,
    YooKassaTransientError,
)

log = structlog.get_logger(__name__)

Answer = TypeVar("Answer")
Parse = Callable[[Mapping[str, object]], Answer]

PAYMENTS_PATH: Final = "/payments"
REFUNDS_PATH: Final = "/refunds"
MAX_RESPONSE_BYTES: Final = 1 << 20
# YooKassa answers within seconds; a payment screen should not wait half a minute.
RETRY: Final = RetryPolicy(base_delay=0.3, max_delay=3.0, budget=15.0)


class YooKassaClient(OwnedSession):
    """Async client for YooKassa's payments API; owns its session when none is given."""

    def __init__(
        self,
        *,
        api_base: str,
        shop_id: str,
        secret_key: str,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 10.0,
        retry: RetryPolicy = RETRY,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not shop_id or not secret_key:
            raise ValueError("shop_id and secret_key must not be empty")
        super().__init__(session)
        self._api_base = api_base.rstrip("/")
        self._authorization = aiohttp.encode_basic_auth(shop_id, secret_key)
        self._retrying = Retrying(
            policy=retry,
            request_timeout=request_timeout,
            sleep=sleep,
            clock=clock,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not cryptography
        )

    async def create_payment(
        self, body: Mapping[str, object], *, idempotence_key: str
    ) -> YooPayment:
        """`POST /payments`; the same key and body always name the same payment."""
        payment = await self._call(
            "POST", PAYMENTS_PATH, parse_payment, json=body, headers=_keyed(idempotence_key)
        )
        log.info("yookassa.payment_created", payment_id=payment.id, status=payment.status)
        return payment

    async def get_payment(self, payment_id: str) -> YooPayment:
        """`GET /payments/{id}`: the payment as YooKassa has it now."""
        if not PAYMENT_ID.fullmatch(payment_id):
            raise YooKassaNotFound("not a YooKassa payment id")
        payment = await self._call("GET", f"{PAYMENTS_PATH}/{payment_id}", parse_payment)
        if payment.id != payment_id:
            raise YooKassaTransientError("the answer names another payment")
        return payment

    async def create_refund(self, body: Mapping[str, object], *, idempotence_key: str) -> YooRefund:
        """`POST /refunds`; the same key and body always name the same refund (YooKassa answers
        a repeat with the first answer, so a `pending` one may be stale: `get_refund` is now)."""
        refund = await self._call(
            "POST", REFUNDS_PATH, parse_refund, json=body, headers=_keyed(idempotence_key)
        )
        log.info("yookassa.refund_created", refund_id=refund.id, status=refund.status)
        return refund

    async def get_refund(self, refund_id: str) -> YooRefund:
        """`GET /refunds/{id}`: the refund as YooKassa has it now."""
        if not PAYMENT_ID.fullmatch(refund_id):  # refund ids look like payment ids
            raise YooKassaNotFound("not a YooKassa refund id")
        refund = await self._call("GET", f"{REFUNDS_PATH}/{refund_id}", parse_refund)
        if refund.id != refund_id:
            raise YooKassaTransientError("the answer names another refund")
        return refund

    async def _call(
        self,
        method: str,
        path: str,
        parse: Parse[Answer],
        *,
        json: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        async def attempt(number: int, time_limit: float) -> Answer:
            return await self._send(
                method,
                path,
                parse,
                time_limit=time_limit,
                attempt=number,
                json=json,
                headers=headers,
            )

        return await with_retries(
            attempt,
            retrying=self._retrying,
            transient=YooKassaTransientError,
            event="yookassa",
            path=path,
        )

    async def _send(
        self,
        method: str,
        path: str,
        parse: Parse[Answer],
        *,
        time_limit: float,
        attempt: int,
        json: Mapping[str, object] | None,
        headers: Mapping[str, str] | None,
    ) -> Answer:
        started = time.perf_counter()
        status: int | None = None
        outcome = "ok"
        try:
            async with self._http().request(
                method,
                URL(self._api_base + path, encoded=False),
                json=json,
                headers={**(headers or {}), "Authorization": self._authorization},
                timeout=aiohttp.ClientTimeout(total=time_limit),
                raise_for_status=False,  # a shared session may default to True; we classify
            ) as response:
                status = response.status
                body = await read_capped(
                    response, limit=MAX_RESPONSE_BYTES, too_big=_too_big(status)
                )
            return parse(raise_for(status, body))
        except (aiohttp.ClientError, TimeoutError) as error:
            outcome = type(error).__name__
            raise YooKassaTransientError(f"{method} {path}: {outcome}") from error
        except YooKassaError as error:
            outcome = type(error).__name__
            raise
        finally:
            log.info(
                "yookassa.request",
                method=method,
                path=path,
                status=status,
                attempt=attempt,
                elapsed_ms=round((time.perf_counter() - started) * 1000),
                outcome=outcome,
            )


def _keyed(idempotence_key: str) -> dict[str, str]:
    if not 0 < len(idempotence_key) <= IDEMPOTENCE_KEY_MAX:
        raise YooKassaPermanentError("an Idempotence-Key of 1 to 64 characters is required")
    return {"Idempotence-Key": idempotence_key}


def _too_big(status: int) -> Callable[[str], YooKassaTransientError]:
    return lambda reason: YooKassaTransientError(reason, http_status=status)
