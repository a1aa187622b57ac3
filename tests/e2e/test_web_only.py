"""`RUN_WORKERS=false`: an instance that only answers HTTP. KIE's callbacks reach it (it is the
public address), it wakes the jobs in the database without querying KIE or sending anything,
and the instance that runs workers finishes and delivers them, once. PostgreSQL: two
instances share one database."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.drivers.process import free_port
from tests.e2e.conftest import CALLBACK_SECRET, KIE_KEY, Stack, running_stack
from tests.e2e.test_lifecycle import USER, balance, start, wait_terminal
from trt.app import serve
from trt.app.parts import Parts
from trt.config import load_settings
from trt.domain.jobs import JobStatus

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def web_only_instance(stack: Stack, db_url: str, port: int) -> AsyncIterator[Parts]:
    settings = load_settings(
        bot_token=stack.telegram.token,
        kie_api_key=KIE_KEY,
        database_url=db_url,
        telegram_api_base=stack.telegram.base_url,
        kie_api_base=stack.kie.base_url,
        kie_upload_base=stack.kie.base_url,
        public_base_url=f"http://127.0.0.1:{port}",
        callback_secret=CALLBACK_SECRET,
        host="127.0.0.1",
        port=port,
        run_workers=False,
    )
    stop = asyncio.Event()
    started: asyncio.Future[Parts] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, stop=stop, started=started))
    try:
        yield await asyncio.wait_for(started, timeout=30)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def metric(base_url: str, name: str, **labels: str) -> float:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/metrics") as response:
        text = await response.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def test_a_web_only_instance_wakes_jobs_that_a_worker_instance_finishes(
    clean_pg_url: str,
) -> None:
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    # The worker instance hands KIE the web instance's address; its own scheduled checks are
    # pushed far out, so the job is found through the callback.
    async with (
        running_stack(clean_pg_url, public_base_url=web_url, check_expected_scale=50) as stack,
        web_only_instance(stack, clean_pg_url, web_port),
    ):
        async with aiohttp.ClientSession() as http, http.get(f"{web_url}/health") as answer:
            assert (await answer.json())["role"] == "web"
        await stack.top_up(USER, 100_000)

        job_id = await start(stack, "nano-banana", {"prompt": "split roles"})
        job = await wait_terminal(stack, job_id, timeout=20)
        await stack.telegram.wait_until(lambda: bool(stack.telegram.sent("sendPhoto")), timeout=10)
        await asyncio.sleep(0.5)  # room for a wrong second delivery

        assert job.status is JobStatus.SUCCEEDED
        assert len(stack.telegram.sent("sendPhoto")) == 1
        assert await balance(stack) == (100_000 - job.price, 0)
        assert await metric(web_url, "trt_kie_callbacks_total", outcome="woke") >= 1
        assert await metric(stack.base_url, "trt_kie_callbacks_total") == 0
        assert stack.kie.stats().record_queries <= 2
