"""`services.stars_sync` on the Bot API: the bot's Star transactions and the user's notice."""

import contextlib

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TransactionPartnerUser

from trt.bot import keyboards
from trt.bot.texts import DEFAULT_LANGUAGE, Translations
from trt.domain.money import format_rub
from trt.services.payments import Completion
from trt.services.stars_sync import StarPayment, TransactionPage

INVOICE_PAYMENT = "invoice_payment"


class TelegramStarTransactions:
    """`StarTransactions` over `getStarTransactions`."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def page(self, *, offset: int, limit: int) -> TransactionPage:
        found = await self._bot.get_star_transactions(offset=offset, limit=limit)
        payments = []
        for transaction in found.transactions:
            source = transaction.source
            if (
                isinstance(source, TransactionPartnerUser)
                and source.transaction_type == INVOICE_PAYMENT
                and source.invoice_payload is not None
            ):
                payments.append(
                    StarPayment(
                        charge_id=transaction.id,
                        user_id=source.user.id,
                        stars=transaction.amount,
                        payload=source.invoice_payload,
                    )
                )
        return TransactionPage(size=len(found.transactions), payments=payments)


class TelegramPaymentNotices:
    """`PaymentNotices`: the messages the update handler sends, to the payer and the inviter."""

    def __init__(self, *, bot: Bot, translations: Translations) -> None:
        self._bot = bot
        self._translations = translations

    async def paid(self, *, user_id: int, completion: Completion, language: str | None) -> None:
        t = self._translations[language or DEFAULT_LANGUAGE]
        text = t(
            "payment-done",
            stars=completion.stars,
            credited=format_rub(completion.credited),
            balance=format_rub(completion.balance),
        )
        # The money is in already; the notices are a courtesy.
        with contextlib.suppress(TelegramAPIError):
            await self._bot.send_message(user_id, text, reply_markup=keyboards.back_to_menu(t))
        reward = completion.reward
        if reward is not None:
            inviter_t = self._translations[reward.language or t.language]
            text = inviter_t("referral-reward", amount=format_rub(reward.amount))
            with contextlib.suppress(TelegramAPIError):
                await self._bot.send_message(reward.inviter_id, text)
