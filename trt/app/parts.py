"""Builds the long-lived parts of a running bot (after the port is open and the database is
migrated): KIE client, services, the aiogram Dispatcher and Bot, and the workers."""

import asyncio
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
import structlog
from aiogram import Bot, Dispatcher

from trt.app.yookassa import CardParts, build_card_parts
from trt.bot.admin.router import Operator
from trt.bot.admin.telegram import TelegramAdminReports, TelegramBroadcastSender
from trt.bot.dispatcher import MoneyIn, build_dispatcher
from trt.bot.fsm import build_fsm_storage
from trt.bot.limiter import SendLimiter
from trt.bot.messenger import TelegramMessenger
from trt.bot.polling import Poller
from trt.bot.progress import StatusMessages, TelegramFiles
from trt.bot.routers.payments import TelegramStars
from trt.bot.session import build_bot
from trt.bot.stars_record import TelegramPaymentNotices, TelegramStarTransactions
from trt.bot.texts import Translations, load_translations
from trt.bot.webhook import WebhookFeeder, WebhookRegistrar
from trt.config import Settings
from trt.domain.catalog import load_catalog
from trt.domain.families import ApiFamily
from trt.domain.jobs import CheckSchedule
from trt.domain.manual_topups import ManualOffer
from trt.domain.payments import parse_packages, rubles_to_kopecks
from trt.domain.pricing import PricingPolicy
from trt.kie import KieClient
from trt.services.accounts import Accounts
from trt.services.admin import AdminTools, LowBalanceWatch
from trt.services.broadcast import Broadcasts
from trt.services.callbacks import CallbackIntake
from trt.services.conversation_state import ConversationStates
from trt.services.crashpoints import CrashPoints
from trt.services.delivery import Deliveries
from trt.services.generation import Generation
from trt.services.history import HistoryService
from trt.services.leader_tasks import LeaderDuties, LeaderTasks
from trt.services.manual_topups import ManualTopUps
from trt.services.metrics import Metrics
from trt.services.model_overrides import ModelOverrides
from trt.services.order_expiry import OrderExpiry
from trt.services.payments import Payments, StarsOffer
from trt.services.ports import Clock, SystemClock
from trt.services.processing import CallbackTarget, JobProcessor
from trt.services.promo import Promos
from trt.services.reconciler import Reconciler
from trt.services.referrals import Referrals
from trt.services.stars_sync import StarsSync
from trt.services.stats import Stats
from trt.services.update_log import UpdateLog
from trt.services.yookassa_watch import PaymentWatch
from trt.storage.database import Database
from trt.web.server import WEBHOOK_PATH

log = structlog.get_logger(__name__)


class Leadership(Protocol):
    """What the active instance does on Telegram's side: poll, or keep the webhook set."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Parts:
    telegram: Leadership
    webhook_feeder: WebhookFeeder | None
    callback_intake: CallbackIntake
    generation: Generation
    workers: dict[str, Coroutine[Any, Any, None]]
    payment_watch: PaymentWatch | None = None  # YooKassa's notifications wake it


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


async def build_parts(
    settings: Settings, database: Database, stack: AsyncExitStack, metrics: Metrics
) -> Parts:
    clock = SystemClock()
    catalog = load_catalog()
    if not settings.public_base_url:
        # Suno's API insists on a callback URL; without a public address we cannot offer it.
        catalog = catalog.without(ApiFamily.SUNO)
        log.warning("catalog.suno_hidden", reason="PUBLIC_BASE_URL is not set")
    translations = load_translations()
    pricing = PricingPolicy(
        usd_per_credit=settings.usd_per_credit,
        rub_per_usd=settings.rub_per_usd,
        markup=settings.price_markup,
    )
    http = aiohttp.ClientSession()
    stack.push_async_callback(http.close)
    kie = KieClient(
        api_base=settings.kie_api_base,
        upload_base=settings.kie_upload_base,
        api_key=_secret(settings.kie_api_key) or "",
        session=http,
    )
    bot = build_bot(token=_secret(settings.bot_token) or "", api_base=settings.telegram_api_base)
    stack.push_async_callback(bot.session.close)

    limits = SendLimiter()  # one per process: results and broadcasts share Telegram's limits
    messenger = TelegramMessenger(
        bot=bot,
        translations=translations,
        http=http,
        limits=limits,
        catalog=catalog,
        paid_broadcast=settings.telegram_paid_broadcast,
    )
    deliveries = Deliveries(
        db=database, clock=clock, metrics=metrics, messenger=messenger, actions=messenger
    )
    callbacks = (
        CallbackTarget(settings.public_base_url, _secret(settings.callback_secret) or "")
        if settings.public_base_url
        else None
    )
    processor = JobProcessor(
        db=database,
        kie=kie,
        catalog=catalog,
        clock=clock,
        media=TelegramFiles(bot=bot),
        notifier=StatusMessages(bot=bot, translations=translations, catalog=catalog),
        callbacks=callbacks,
        schedule=CheckSchedule(
            min_delay=settings.check_min_delay,
            max_delay=settings.check_max_delay,
            expected_scale=settings.check_expected_scale,
        ),
        on_delivery_queued=deliveries.wake,
        metrics=metrics,
        crash_points=CrashPoints.parse(settings.test_crash_at),
    )
    reconciler = Reconciler(
        db=database,
        processor=processor,
        clock=clock,
        lease=timedelta(seconds=settings.reconcile_lease_seconds),
    )
    models = ModelOverrides(db=database, clock=clock, catalog=catalog, pricing=pricing)
    generation = Generation(
        db=database,
        catalog=catalog,
        pricing=pricing,
        clock=clock,
        free_daily_quota=settings.free_daily_quota,
        on_created=reconciler.wake,
        metrics=metrics,
        offer=models.fresh,
        starts_per_minute=settings.generation_starts_per_minute,
    )
    intake = CallbackIntake(
        db=database,
        clock=clock,
        job_secret=_secret(settings.callback_secret),
        kie_hmac_key=_secret(settings.kie_webhook_hmac_key),
        wake=reconciler.wake,
        metrics=metrics,
    )
    update_log = UpdateLog(db=database, clock=clock)
    reports = TelegramAdminReports(bot=bot, translations=translations)
    operator = Operator(
        tools=AdminTools(db=database, clock=clock, kie=kie),
        stats=Stats(db=database, clock=clock, pricing=pricing),
        broadcasts=Broadcasts(
            db=database,
            clock=clock,
            sender=TelegramBroadcastSender(bot=bot, limits=limits),
            reporter=reports,
        ),
        admin_ids=frozenset(settings.admin_ids),
        kie_low_credits=settings.kie_low_balance_credits,
    )
    watch = LowBalanceWatch(
        db=database,
        clock=clock,
        kie=kie,
        notifier=reports,
        admin_ids=operator.admin_ids,
        threshold=settings.kie_low_balance_credits,
        interval=settings.kie_balance_check_seconds,
    )
    storage = build_fsm_storage(
        redis_url=_secret(settings.redis_url), states=ConversationStates(db=database, clock=clock)
    )
    stack.push_async_callback(storage.close)
    card = build_card_parts(
        settings,
        database=database,
        clock=clock,
        bot=bot,
        translations=translations,
        metrics=metrics,
        http=http,
    )
    if card is not None:
        stack.push_async_callback(card.watch.close)
    money_in = _money_in(settings, database, clock, bot, metrics, card=card)
    dispatcher = build_dispatcher(
        storage=storage,
        accounts=Accounts(db=database, clock=clock),
        catalog=catalog,
        pricing=pricing,
        translations=translations,
        free_quota=settings.free_daily_quota,
        generation=generation,
        update_log=update_log,
        history=HistoryService(db=database, messenger=messenger),
        money_in=money_in,
        operator=operator,
        overrides=models,
    )
    polling_or_webhook, feeder = _telegram_side(settings, dispatcher, bot, translations)
    # The leader alone sends broadcasts (one limiter paces the whole bot's broadcast) and
    # alerts the admins; the others take over within seconds when it dies.
    # Stars whose successful_payment update was lost (a crash mid-handler) are found in
    # Telegram's record of the bot's Star transactions and credited once.
    stars_sync = StarsSync(
        db=database,
        payments=money_in.payments,
        transactions=TelegramStarTransactions(bot),
        notices=TelegramPaymentNotices(bot=bot, translations=translations),
    )
    leader_only = LeaderTasks(
        {
            "broadcasts": operator.broadcasts.run,
            "kie-balance-watch": watch.run,
            "stars-sync": stars_sync.run,
        }
    )
    telegram = LeaderDuties(polling_or_webhook, leader_only)
    stack.push_async_callback(telegram.stop)
    if feeder is not None:
        stack.push_async_callback(feeder.close)
    return Parts(
        telegram=telegram,
        webhook_feeder=feeder,
        callback_intake=intake,
        generation=generation,
        workers={
            "reconciler": reconciler.run(),
            "callback-wakeups": intake.run(),  # drains its queue when cancelled at shutdown
            "deliveries": deliveries.run(asyncio.Event()),  # runs until cancelled at shutdown
            "update-log-pruning": update_log.prune_forever(),
            "order-expiry": OrderExpiry(
                db=database, clock=clock, ttl=timedelta(hours=settings.payment_order_ttl_hours)
            ).run(),
            **({"yookassa-watch": card.watch.run()} if card is not None else {}),
        },
        payment_watch=card.watch if card is not None else None,
    )


def _money_in(
    settings: Settings,
    database: Database,
    clock: Clock,
    bot: Bot,
    metrics: Metrics,
    *,
    card: CardParts | None,
) -> MoneyIn:
    bonus = rubles_to_kopecks(str(settings.referral_bonus_rub))
    offer = StarsOffer(
        packages=parse_packages(settings.stars_packages),
        custom_min=settings.stars_custom_min,
        custom_max=settings.stars_custom_max,
        rub_per_star=settings.stars_rub_rate,
    )
    payments = Payments(
        db=database,
        clock=clock,
        offer=offer,
        referral_bonus=bonus,
        stars=TelegramStars(bot),
        metrics=metrics,
        cards=card.refunds if card is not None else None,  # /refund of card orders
    )
    return MoneyIn(
        payments=payments,
        promos=Promos(db=database, clock=clock, metrics=metrics),
        referrals=Referrals(db=database, clock=clock, bonus=bonus),
        manual=ManualTopUps(
            db=database,
            clock=clock,
            offer=ManualOffer(
                details=settings.manual_topup_details,
                min_amount=rubles_to_kopecks(str(settings.manual_topup_min_rub)),
                max_amount=rubles_to_kopecks(str(settings.manual_topup_max_rub)),
            ),
            admin_ids=frozenset(settings.admin_ids),
            referral_bonus=bonus,
            metrics=metrics,
        ),
        admin_ids=frozenset(settings.admin_ids),
        card=card.payments if card is not None else None,
    )


def _telegram_side(
    settings: Settings, dispatcher: Dispatcher, bot: Bot, translations: Translations
) -> tuple[Leadership, WebhookFeeder | None]:
    if settings.bot_mode == "polling":
        return Poller(dispatcher=dispatcher, bot=bot, translations=translations), None
    registrar = WebhookRegistrar(
        dispatcher=dispatcher,
        bot=bot,
        translations=translations,
        url=f"{settings.public_base_url}{WEBHOOK_PATH}",
        secret=_secret(settings.webhook_secret) or "",
    )
    return registrar, WebhookFeeder(dispatcher=dispatcher, bot=bot)
