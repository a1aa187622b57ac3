"""`services.yookassa_payments.CardNotifier` and `services.yookassa_refunds.RefundNotifier` over
the Bot API: the user hears that their card payment was credited, cancelled or refunded, the
inviter about their referral bonus, each in their own language. The money has already moved; a
message that cannot be sent is logged, not retried. Also the admin's answers to /refund that
only a card refund has.
"""

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup

from trt.bot import keyboards
from trt.bot.texts import Texts, Translations
from trt.domain.money import Kopecks, format_rub
from trt.domain.payments import PaymentMethod
from trt.services.refunds import RefundOutcome, RefundStatus
from trt.services.topups import ReferralReward

log = structlog.get_logger(__name__)


class TelegramCardNotices:
    def __init__(self, *, bot: Bot, translations: Translations) -> None:
        self._bot = bot
        self._translations = translations

    async def credited(
        self, *, user_id: int, language: str | None, credited: Kopecks, balance: int
    ) -> None:
        t = self._translations[language or ""]
        text = t("cardpay-paid", credited=format_rub(credited), balance=format_rub(balance))
        await self._send(user_id, text, keyboards.back_to_menu(t))

    async def cancelled(self, *, user_id: int, language: str | None, amount: Kopecks) -> None:
        t = self._translations[language or ""]
        await self._send(user_id, t("cardpay-cancelled", rub=format_rub(amount)))

    async def refunded(
        self, *, user_id: int, language: str | None, amount: Kopecks, debited: int, balance: int
    ) -> None:
        t = self._translations[language or ""]
        text = t(
            "refund-card-user",
            rub=format_rub(amount),
            debited=format_rub(debited),
            balance=format_rub(balance),
        )
        await self._send(user_id, text)

    async def referral_rewarded(self, *, reward: ReferralReward) -> None:
        t = self._translations[reward.language or ""]
        await self._send(reward.inviter_id, t("referral-reward", amount=format_rub(reward.amount)))

    async def _send(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        try:
            await self._bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramAPIError as exc:
            log.warning("yookassa.notify_failed", chat_id=chat_id, error=type(exc).__name__)


def card_refund_text(t: Texts, outcome: RefundOutcome) -> str | None:
    """The admin's answer to /refund of a card order; None for a Stars order, and where both
    say the same (not found, not paid, already refunded, spent)."""
    order = outcome.order
    if order is None or order.method is not PaymentMethod.YOOKASSA:
        return None
    number, rub, detail = str(order.id), format_rub(order.amount), outcome.detail
    text: str | None = None
    match outcome.status:
        case RefundStatus.REFUNDED:
            text = t(
                "refund-card-done",
                order=number,
                rub=rub,
                debited=format_rub(outcome.debited),
                balance=format_rub(outcome.available),
            )
        case RefundStatus.PENDING:
            text = t("refund-card-pending", order=number, rub=rub)
        case RefundStatus.CANCELLED:
            text = t("refund-card-cancelled", order=number, detail=detail)
        case RefundStatus.REFUSED:
            text = t("refund-card-refused", order=number, detail=detail)
        case RefundStatus.UNREACHABLE:
            text = t("refund-card-unreachable", order=number, detail=detail)
    return text
