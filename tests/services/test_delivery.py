"""Result delivery end to end: rows in a real database, the real aiogram Bot talking to the Bot
API emulator, result files downloaded from the KIE simulator, on both engines."""

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tests.conftest import ManualClock
from tests.sandbox.test_kie_support import RECORD, KieClient, fast_simulator
from tests.storage.test_deliveries import create_succeeded_job
from trt.bot.limiter import SendLimiter
from trt.bot.messenger import TelegramMessenger
from trt.bot.texts import load_translations
from trt.domain.catalog import load_catalog
from trt.sandbox.botapi import BotApiEmulator, UserDriver
from trt.sandbox.kie import Behaviour, KieSimulator, MediaKind
from trt.services.delivery import Deliveries
from trt.services.ports import ResultFileKind, ResultFileRef, SentCallback
from trt.storage import deliveries
from trt.storage.database import Database
from trt.storage.deliveries import Delivery, DeliveryStatus

USER = 1001
MiB = 1024 * 1024


@dataclass
class World:
    db: Database
    clock: ManualClock
    telegram: BotApiEmulator
    user: UserDriver
    kie: KieSimulator
    http: aiohttp.ClientSession
    bot: Bot
    messenger: TelegramMessenger

    def deliveries(self, **options: Any) -> Deliveries:
        return Deliveries(db=self.db, messenger=self.messenger, clock=self.clock, **options)

    async def result_urls(
        self, media: MediaKind, *, count: int = 1, file_size: int | None = None
    ) -> list[str]:
        """Real result files: a finished KIE task's `resultUrls`."""
        model = f"test-{media.value}-{count}-{file_size}"
        behaviour = Behaviour(latency=0.0, media=media, results=count, file_size=file_size)
        self.kie.set_behaviour(behaviour, model=model)
        client = KieClient(self.http, self.kie.base_url)
        task_id = await client.create_market(model, {"prompt": "a red fox"})
        record = (await client.poll(RECORD, task_id, lambda data: data["state"] == "success"))[-1]
        return list(json.loads(record["resultJson"])["resultUrls"])

    async def job(self, files: list[dict[str, Any]], *, model_id: str = "z-image") -> int:
        """A succeeded job with these result files, its delivery queued."""
        job_id = await create_succeeded_job(
            self.db, self.clock.now(), result={"files": files}, user_id=USER, model_id=model_id
        )
        async with self.db.transaction() as tx:
            await deliveries.enqueue(tx, job_id, self.clock.now())
        return job_id

    async def download(self, url: str) -> bytes:
        async with self.http.get(url) as response:
            return await response.read()

    async def row(self, job_id: int) -> Delivery:
        async with self.db.read() as tx:
            found = await deliveries.get(tx, job_id)
        assert found is not None
        return found

    def bot_message_ids(self) -> list[int]:
        return [message.message_id for message in self.user.messages(from_bot=True)]


def files_of(
    urls: Sequence[str], kind: str, titles: Sequence[str | None] = ()
) -> list[dict[str, Any]]:
    titles = list(titles) or [None] * len(urls)
    return [
        {"url": url, "kind": kind, "title": title} for url, title in zip(urls, titles, strict=True)
    ]


@pytest.fixture
async def world(db: Database, clock: ManualClock) -> AsyncIterator[World]:
    async with (
        BotApiEmulator() as telegram,
        fast_simulator(behaviour=Behaviour(latency=0.0)) as kie,
        aiohttp.ClientSession() as http,
    ):
        bot = Bot(
            telegram.token,
            session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url)),
        )
        messenger = TelegramMessenger(
            bot=bot, translations=load_translations(), http=http, limits=SendLimiter()
        )
        try:
            yield World(db, clock, telegram, telegram.user(USER), kie, http, bot, messenger)
        finally:
            await bot.session.close()


async def test_one_image_is_sent_as_a_photo_with_the_real_png(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await world.job(files_of([url], "image"))

    assert await world.deliveries().run_once() == 1

    [call] = world.telegram.sent("sendPhoto")
    [upload] = call.files.values()
    assert upload.data == await world.download(url)
    assert upload.data.startswith(b"\x89PNG")
    assert call.params["caption"] == "✅ Готово: z-image"
    row = await world.row(job_id)
    assert (row.status, row.message_ids, row.attempts) == (
        DeliveryStatus.SENT,
        world.bot_message_ids(),
        1,
    )
    assert world.user.last_message() is not None
    assert world.user.last_message().kind == "photo"


async def test_three_images_go_as_one_album(world: World) -> None:
    urls = await world.result_urls(MediaKind.IMAGE, count=3)
    job_id = await world.job(files_of(urls, "image"))

    await world.deliveries().run_once()

    [call] = world.telegram.sent("sendMediaGroup")
    assert len(call.files) == 3
    assert world.telegram.sent("sendPhoto") == []
    assert [m.kind for m in world.user.messages(from_bot=True)] == ["photo"] * 3
    assert (await world.row(job_id)).message_ids == world.bot_message_ids()


async def test_eleven_images_go_as_an_album_of_ten_and_a_photo(world: World) -> None:
    urls = (await world.result_urls(MediaKind.IMAGE, count=10)) + (
        await world.result_urls(MediaKind.IMAGE, count=1)
    )
    job_id = await world.job(files_of(urls, "image"))

    await world.deliveries().run_once()

    assert [len(call.files) for call in world.telegram.sent("sendMediaGroup")] == [10]
    assert len(world.telegram.sent("sendPhoto")) == 1
    assert len((await world.row(job_id)).message_ids) == 11


async def test_a_video_is_sent_with_send_video(world: World) -> None:
    [url] = await world.result_urls(MediaKind.VIDEO)
    await world.job(files_of([url], "video"), model_id="veo3_fast")

    await world.deliveries().run_once()

    [call] = world.telegram.sent("sendVideo")
    assert next(iter(call.files.values())).data == await world.download(url)
    assert world.user.last_message() is not None
    assert world.user.last_message().kind == "video"


async def test_each_suno_track_is_sent_as_audio_with_its_title(world: World) -> None:
    urls = await world.result_urls(MediaKind.AUDIO, count=2)
    job_id = await world.job(files_of(urls, "audio", ["Morning", "Evening"]), model_id="V4_5")

    await world.deliveries().run_once()

    calls = world.telegram.sent("sendAudio")
    assert [call.params.get("title") for call in calls] == ["Morning", "Evening"]
    assert [("caption" in call.params) for call in calls] == [True, False]
    assert (await world.row(job_id)).message_ids == world.bot_message_ids()


async def test_an_image_over_10_mb_is_sent_as_a_document(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE, file_size=12 * MiB)
    await world.job(files_of([url], "image"))

    await world.deliveries().run_once()

    assert world.telegram.sent("sendPhoto") == []
    [call] = world.telegram.sent("sendDocument")
    assert next(iter(call.files.values())).size == 12 * MiB


async def test_a_file_over_50_mb_is_sent_as_a_link(world: World) -> None:
    [url] = await world.result_urls(MediaKind.VIDEO, file_size=60 * MiB)
    job_id = await world.job(files_of([url], "video"))

    await world.deliveries().run_once()

    assert world.telegram.sent("sendVideo") == []
    [call] = world.telegram.sent("sendMessage")
    assert url in call.params["text"]
    assert (await world.row(job_id)).status is DeliveryStatus.SENT


async def test_an_image_telegram_refuses_as_a_photo_goes_as_a_document(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    await world.job(files_of([url], "image"))
    world.telegram.fail_next("sendPhoto", 400, "Bad Request: IMAGE_PROCESS_FAILED")

    await world.deliveries().run_once()

    assert len(world.telegram.sent("sendDocument")) == 1
    assert [m.kind for m in world.user.messages(from_bot=True)] == ["document"]


async def test_running_twice_delivers_once(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    await world.job(files_of([url], "image"))
    service = world.deliveries()

    assert [await service.run_once(), await service.run_once()] == [1, 0]
    assert len(world.telegram.sent("sendPhoto")) == 1


async def test_two_workers_at_once_deliver_once(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    await world.job(files_of([url], "image"))

    claimed = await asyncio.gather(world.deliveries().run_once(), world.deliveries().run_once())

    assert sorted(claimed) == [0, 1]
    assert len(world.telegram.sent("sendPhoto")) == 1


async def test_a_429_is_waited_out_and_the_result_delivered(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await world.job(files_of([url], "image"))
    world.telegram.fail_next("sendPhoto", 429, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()

    await world.deliveries().run_once()

    assert loop.time() - started >= 1.0
    assert world.telegram.too_many_requests == 1
    assert len(world.telegram.sent("sendPhoto")) == 1
    assert (await world.row(job_id)).status is DeliveryStatus.SENT


async def test_a_user_who_blocked_the_bot_fails_the_delivery_without_retries(
    world: World,
) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await world.job(files_of([url], "image"))
    world.user.block_bot()
    service = world.deliveries()

    await service.run_once()
    world.clock.advance(days=1)

    assert await service.run_once() == 0
    row = await world.row(job_id)
    assert row.status is DeliveryStatus.FAILED
    assert row.last_error is not None
    assert "blocked" in row.last_error
    assert len(world.telegram.calls("sendPhoto")) == 1


async def test_a_server_error_is_retried_later_then_sent(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await world.job(files_of([url], "image"))
    world.telegram.fail_next("sendPhoto", 500)
    service = world.deliveries()

    await service.run_once()
    retry = await world.row(job_id)
    assert await service.run_once() == 0  # not due yet
    world.clock.advance(seconds=10)
    await service.run_once()

    assert (retry.status, retry.due_at) == (
        DeliveryStatus.PENDING,
        world.clock.now(),
    )
    row = await world.row(job_id)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert len(world.telegram.sent("sendPhoto")) == 1


async def test_a_delivery_fails_after_max_attempts(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await world.job(files_of([url], "image"))
    world.telegram.fail_next("sendPhoto", 502, count=2)
    service = world.deliveries(max_attempts=2)

    await service.run_once()
    world.clock.advance(minutes=1)
    await service.run_once()
    world.clock.advance(days=1)

    assert await service.run_once() == 0
    row = await world.row(job_id)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 2)
    assert world.telegram.sent("sendPhoto") == []


async def test_a_retry_resumes_after_the_files_already_in_the_chat(world: World) -> None:
    [image] = await world.result_urls(MediaKind.IMAGE)
    [track] = await world.result_urls(MediaKind.AUDIO)
    job_id = await world.job(files_of([image], "image") + files_of([track], "audio"))
    world.telegram.fail_next("sendAudio", 503)
    service = world.deliveries()

    await service.run_once()
    world.clock.advance(minutes=1)
    await service.run_once()

    assert (len(world.telegram.sent("sendPhoto")), len(world.telegram.sent("sendAudio"))) == (1, 1)
    assert [m.kind for m in world.user.messages(from_bot=True)] == ["photo", "audio"]
    assert (await world.row(job_id)).message_ids == world.bot_message_ids()


class StuckMessenger:
    """A worker that hangs mid-send, to be killed like a crashed process."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def deliver_result(
        self,
        *,
        chat_id: int,
        model_id: str,
        files: Sequence[ResultFileRef],
        language: str | None,
        on_sent: SentCallback | None = None,
    ) -> list[int]:
        self.started.set()
        await asyncio.Event().wait()
        return []


async def test_a_crashed_workers_claim_expires_and_another_delivers(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await world.job(files_of([url], "image"))
    stuck = StuckMessenger()
    crashed = Deliveries(db=world.db, messenger=stuck, clock=world.clock)
    worker = asyncio.create_task(crashed.run_once())
    await asyncio.wait_for(stuck.started.wait(), timeout=5)
    worker.cancel()
    with suppress(asyncio.CancelledError):
        await worker
    survivor = world.deliveries()

    assert await survivor.run_once() == 0  # the lease still holds
    world.clock.advance(minutes=2)
    assert await survivor.run_once() == 1

    assert len(world.telegram.sent("sendPhoto")) == 1
    row = await world.row(job_id)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)


async def test_the_loop_picks_up_a_fresh_delivery_when_woken(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    service = world.deliveries()
    stop = asyncio.Event()
    loop_task = asyncio.create_task(service.run(stop, interval=30))
    await asyncio.sleep(0.05)  # the loop has looked once and is now waiting out its interval

    job_id = await create_succeeded_job(
        world.db, world.clock.now(), result={"files": files_of([url], "image")}, user_id=USER
    )
    async with world.db.transaction() as tx:
        await service.enqueue(tx, job_id=job_id)
    service.wake()
    await world.telegram.wait_until(lambda: bool(world.telegram.sent("sendPhoto")), timeout=3)

    stop.set()
    await asyncio.wait_for(loop_task, timeout=3)
    assert (await world.row(job_id)).status is DeliveryStatus.SENT


async def test_a_worker_that_lost_its_lease_stops_after_the_message_in_flight(
    world: World,
) -> None:
    [image] = await world.result_urls(MediaKind.IMAGE)
    tracks = await world.result_urls(MediaKind.AUDIO, count=2)
    job_id = await world.job(files_of([image], "image") + files_of(tracks, "audio"))
    world.telegram.fail_next("sendAudio", delay=1.0)  # the slow worker's first track hangs
    slow = asyncio.create_task(world.deliveries().run_once())
    async with asyncio.timeout(3):
        while len((await world.row(job_id)).message_ids) < 1:
            await asyncio.sleep(0.01)

    world.clock.advance(minutes=2)  # its lease runs out while it hangs
    assert await world.deliveries().run_once() == 1  # resumes after the photo: both tracks
    await asyncio.wait_for(slow, timeout=3)

    assert len(world.telegram.sent("sendPhoto")) == 1
    # The slow worker's track in flight is the one duplicate; it never sends the second track.
    assert len(world.telegram.sent("sendAudio")) == 3
    row = await world.row(job_id)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert row.message_ids == world.bot_message_ids()[:3]


async def test_the_caption_names_the_model_by_its_catalog_title_in_the_users_language(
    world: World,
) -> None:
    catalog = load_catalog()
    model = next(iter(catalog))
    messenger = TelegramMessenger(
        bot=world.bot,
        translations=load_translations(),
        http=world.http,
        limits=SendLimiter(),
        catalog=catalog,
    )
    [url] = await world.result_urls(MediaKind.IMAGE)
    files = [ResultFileRef(url=url, kind=ResultFileKind.IMAGE)]

    await messenger.deliver_result(chat_id=USER, model_id=model.id, files=files, language="en")

    [call] = world.telegram.sent("sendPhoto")
    assert call.params["caption"] == f"✅ Ready: {model.title.en}"


async def test_an_album_telegram_refuses_goes_photo_by_photo(world: World) -> None:
    urls = await world.result_urls(MediaKind.IMAGE, count=3)
    job_id = await world.job(files_of(urls, "image"))
    world.telegram.fail_next("sendMediaGroup", 400, "Bad Request: MEDIA_GROUP_INVALID")

    await world.deliveries().run_once()

    calls = world.telegram.sent("sendPhoto")
    assert [("caption" in call.params) for call in calls] == [True, False, False]
    assert (await world.row(job_id)).message_ids == world.bot_message_ids()


async def test_an_other_file_is_sent_as_a_document(world: World) -> None:
    [url] = await world.result_urls(MediaKind.VOICE)
    await world.job(files_of([url], "other"))

    await world.deliveries().run_once()

    [call] = world.telegram.sent("sendDocument")
    assert next(iter(call.files.values())).filename.endswith(".ogg")


async def test_an_unreadable_result_url_is_retried_later(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await world.job(files_of([url.replace("/files/", "/files/gone-")], "image"))

    await world.deliveries().run_once()

    row = await world.row(job_id)
    assert (row.status, row.last_error) == (
        DeliveryStatus.PENDING,
        "result file answered HTTP 404",
    )
    assert world.telegram.calls("sendPhoto") == []


async def test_a_chat_that_does_not_exist_fails_the_delivery(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await create_succeeded_job(
        world.db, world.clock.now(), result={"files": files_of([url], "image")}, chat_id=999
    )
    async with world.db.transaction() as tx:
        await deliveries.enqueue(tx, job_id, world.clock.now())

    await world.deliveries().run_once()

    row = await world.row(job_id)
    assert row.status is DeliveryStatus.FAILED
    assert row.last_error is not None
    assert "chat not found" in row.last_error


async def test_a_result_without_files_fails_without_sending(world: World) -> None:
    job_id = await world.job([])

    await world.deliveries().run_once()

    assert (await world.row(job_id)).status is DeliveryStatus.FAILED
    assert world.telegram.calls() == []


async def test_a_crash_after_the_last_message_only_marks_the_delivery_sent(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    job_id = await world.job(files_of([url], "image"))
    async with world.db.transaction() as tx:  # a worker sent the photo, recorded it, then died
        [claim] = await deliveries.claim_due(tx, world.clock.now(), timedelta(minutes=2), 10)
        await deliveries.record_progress(
            tx, job_id, [41], attempt=claim.attempts, now=world.clock.now()
        )
    world.clock.advance(minutes=2)

    assert await world.deliveries().run_once() == 1

    assert world.telegram.calls() == []
    row = await world.row(job_id)
    assert (row.status, row.message_ids) == (DeliveryStatus.SENT, [41])


async def test_with_paid_broadcast_every_result_message_allows_it(world: World) -> None:
    messenger = TelegramMessenger(
        bot=world.bot,
        translations=load_translations(),
        http=world.http,
        limits=SendLimiter(),
        paid_broadcast=True,
    )
    urls = await world.result_urls(MediaKind.IMAGE, count=3)
    [single] = await world.result_urls(MediaKind.IMAGE)
    album = [ResultFileRef(url=url, kind=ResultFileKind.IMAGE) for url in urls]

    await messenger.deliver_result(chat_id=USER, model_id="m", files=album, language="en")
    await messenger.deliver_result(
        chat_id=USER,
        model_id="m",
        files=[ResultFileRef(url=single, kind=ResultFileKind.IMAGE)],
        language="en",
    )
    await messenger.offer_actions(chat_id=USER, job_id=1, language="en")

    calls = [
        *world.telegram.sent("sendMediaGroup"),
        *world.telegram.sent("sendPhoto"),
        *world.telegram.sent("sendMessage"),
    ]
    assert len(calls) == 3
    assert all(call.params.get("allow_paid_broadcast") in (True, "true") for call in calls)


async def test_without_paid_broadcast_no_message_asks_for_it(world: World) -> None:
    [url] = await world.result_urls(MediaKind.IMAGE)
    await world.messenger.deliver_result(
        chat_id=USER,
        model_id="m",
        files=[ResultFileRef(url=url, kind=ResultFileKind.IMAGE)],
        language="en",
    )

    [call] = world.telegram.sent("sendPhoto")
    assert "allow_paid_broadcast" not in call.params


class OutageAfterEachMessage:
    """The real messenger, with the database cut off for `seconds` right after Telegram accepted
    each message (before the delivery commits that it did)."""

    def __init__(self, messenger: TelegramMessenger, proxy: Any, seconds: float) -> None:
        self._messenger = messenger
        self._proxy = proxy
        self._seconds = seconds

    async def deliver_result(self, *, on_sent: SentCallback | None = None, **kwargs: Any) -> Any:
        async def cut_then_record(message_ids: list[int]) -> None:
            self._proxy.refuse_for(self._seconds)
            assert on_sent is not None
            await on_sent(message_ids)

        return await self._messenger.deliver_result(on_sent=cut_then_record, **kwargs)


async def test_a_database_outage_after_telegram_accepted_a_message_sends_it_once(
    world: World,
) -> None:
    import sqlalchemy as sa

    from tests.drivers.tcp_proxy import TcpProxy

    if world.db.dialect != "postgresql":
        pytest.skip("an outage of a database server: PostgreSQL behind a TCP proxy")
    url = sa.make_url(world.db.url)
    proxy = await TcpProxy(target_port=url.port or 5432).start()
    proxied = Database(url.set(port=proxy.port).render_as_string(hide_password=False))
    try:
        urls = await world.result_urls(MediaKind.IMAGE, count=2)
        photo, video = urls[0], (await world.result_urls(MediaKind.VIDEO))[0]
        job_id = await create_succeeded_job(
            proxied,
            world.clock.now(),
            result={"files": [*files_of([photo], "image"), *files_of([video], "video")]},
            user_id=USER,
            model_id="z-image",
        )
        async with proxied.transaction() as tx:
            await deliveries.enqueue(tx, job_id, world.clock.now())
        service = Deliveries(
            db=proxied,
            messenger=OutageAfterEachMessage(world.messenger, proxy, seconds=1.0),  # type: ignore[arg-type]
            clock=world.clock,
        )

        assert await service.run_once() == 1
        assert await service.run_once() == 0
    finally:
        await proxied.dispose()
        await proxy.stop()

    assert len(world.telegram.sent("sendPhoto")) == 1
    assert len(world.telegram.sent("sendVideo")) == 1
    row = await world.row(job_id)
    assert row.status is DeliveryStatus.SENT
    assert row.message_ids == world.bot_message_ids()
