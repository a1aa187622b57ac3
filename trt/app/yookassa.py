"""Builds card / SBP top-ups through YooKassa when both the shop id and the secret key are set:
the API client, the payments and refunds services, the notices, and the watcher that re-reads
payments (and refunds a notification names)."""

from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from aiogram import Bot

from trt.bot.card_notices import TelegramCardNotices
from trt.bot.texts import Translations
from trt.config import Settings
from trt.domain.money import Kopecks
from trt.domain.payments import rubles_to_kopecks
from trt.domain.yookassa import CardOffer, ReceiptSettings, parse_rub_packages
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.services.yookassa_payments import CardPayments, CardSetup
from trt.services.yookassa_refunds import CardRefunds
from trt.services.yookassa_watch import PaymentWatch
from trt.storage.database import Database
from trt.yookassa import YooKassaClient


@dataclass(frozen=True)
class CardParts:
    payments: CardPayments
    refunds: CardRefunds
    watch: PaymentWatch


def build_card_parts(
    settings: Settings,
    *,
    database: Database,
    clock: Clock,
    bot: Bot,
    translations: Translations,
    metrics: Metrics,
    http: aiohttp.ClientSession,
) -> CardParts | None:
    if not settings.yookassa_enabled:
        return None
    assert settings.yookassa_shop_id is not None
    assert settings.yookassa_secret_key is not None
    client = YooKassaClient(
        api_base=settings.yookassa_api_base,
        shop_id=settings.yookassa_shop_id,
        secret_key=settings.yookassa_secret_key.get_secret_value(),
        session=http,
    )
    setup = CardSetup(
        offer=CardOffer(
            packages=parse_rub_packages(settings.yookassa_packages),
            min_amount=rubles_to_kopecks(str(settings.yookassa_min_rub)),
            max_amount=rubles_to_kopecks(str(settings.yookassa_max_rub)),
        ),
        receipt=ReceiptSettings(
            vat_code=settings.yookassa_vat_code,
            payment_mode=settings.yookassa_payment_mode,
            payment_subject=settings.yookassa_payment_subject,
            tax_system_code=settings.yookassa_tax_system_code,
        ),
        return_url=settings.yookassa_return_url,
        referral_bonus=Kopecks(rubles_to_kopecks(str(settings.referral_bonus_rub))),
    )
    notices = TelegramCardNotices(bot=bot, translations=translations)
    payments = CardPayments(
        db=database,
        clock=clock,
        gateway=client,
        notifier=notices,
        setup=setup,
        metrics=metrics,
    )
    refunds = CardRefunds(
        db=database,
        clock=clock,
        gateway=client,
        notifier=notices,
        receipt=setup.receipt,
        metrics=metrics,
    )
    watch = PaymentWatch(
        db=database,
        clock=clock,
        payments=payments,
        check_every=timedelta(seconds=settings.yookassa_check_seconds),
        refunds=refunds,
    )
    return CardParts(payments=payments, refunds=refunds, watch=watch)
