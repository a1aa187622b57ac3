"""Money in through Telegram Stars: the top-up screen, invoices, pre-checkout, the successful
and refunded payment messages, the admin's /refund, the invite and payments screens.

Include it before the wizard router: a payment's service message must reach this router even
while a wizard waits for text.
"""

import asyncio

import structlog
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery

from trt.bot import keyboards, screens
from trt.bot.callbacks import MenuCb, TopUpCb
from trt.bot.card_notices import card_refund_text
from trt.bot.routers.manual_topup import ManualStates, with_manual_offer
from trt.bot.texts import Texts, Translations
from trt.domain.money import KOPECKS_PER_RUBLE, format_rub
from trt.domain.payments import PaymentMethod, PaymentOrder, parse_stars, referral_link
from trt.services.accounts import Account
from trt.services.manual_topups import ManualTopUps
from trt.services.payments import (
    Completion,
    Payments,
    StarRefundRefused,
    StarsOffer,
)
from trt.services.referrals import Referrals
from trt.services.refunds import RefundOutcome, RefundStatus
from trt.services.yookassa_payments import CardPayments

log = structlog.get_logger(__name__)

PRE_CHECKOUT_BUDGET = 7.0  # seconds; Telegram gives up on an answer after 10
ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"
FORCE = "force"


class TopUpStates(StatesGroup):
    custom_stars = State()


class TelegramStars:
    """`services.payments.StarsGateway` over the Bot API's refundStarPayment."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def refund(self, *, user_id: int, charge_id: str) -> None:
        try:
            await self._bot.refund_star_payment(user_id, charge_id)
        except TelegramBadRequest as exc:
            if ALREADY_REFUNDED not in exc.message:
                raise StarRefundRefused(exc.message) from exc


def rate_text(offer: StarsOffer) -> str:
    kopecks = offer.rub_per_star * KOPECKS_PER_RUBLE
    if kopecks == kopecks.to_integral_value():
        return format_rub(int(kopecks))
    return f"{offer.rub_per_star.normalize():f} ₽"


def topup_text(t: Texts, offer: StarsOffer) -> str:
    return t("topup-title", min=offer.custom_min, max=offer.custom_max, rate=rate_text(offer))


async def send_invoice(bot: Bot, chat_id: int, order: PaymentOrder, t: Texts) -> None:
    rub = format_rub(order.credit)
    await bot.send_invoice(
        chat_id,
        title=t("invoice-title"),
        description=t("invoice-description", rub=rub, stars=order.amount),
        payload=order.payload,
        currency=order.currency,
        prices=[LabeledPrice(label=t("invoice-label", rub=rub), amount=order.amount)],
    )


async def invoice_or_cancel(
    bot: Bot, chat_id: int, order: PaymentOrder, t: Texts, payments: Payments
) -> None:
    """Send the order's invoice; an order whose invoice never went out is cancelled."""
    try:
        await send_invoice(bot, chat_id, order, t)
    except TelegramAPIError:
        await payments.cancel(order_id=order.id)
        raise


def build_payments_router(*, admin_ids: frozenset[int]) -> Router:
    router = Router(name="payments")
    _register_topup(router)
    _register_checkout(router)
    _register_refunds(router, admin_ids)
    _register_screens(router)
    return router


def _register_topup(router: Router) -> None:
    @router.message(Command("topup"))
    async def topup_command(
        message: Message,
        *,
        command: CommandObject,
        t: Texts,
        account: Account,
        payments: Payments,
        manual_topups: ManualTopUps | None = None,
        card_payments: CardPayments | None = None,
    ) -> None:
        if command.args:  # /topup 75: an invoice for 75 Stars straight away
            await _custom_amount(
                message, command.args, t=t, user_id=account.user_id, payments=payments
            )
            return
        offer = payments.offer
        card = card_payments is not None
        packages = keyboards.topup_packages(t, offer.packages, card=card)
        markup = with_manual_offer(packages, t, manual_topups)
        await message.answer(topup_text(t, offer), reply_markup=markup)

    @router.callback_query(MenuCb.filter(F.action == "topup"))
    async def topup_button(
        query: CallbackQuery,
        *,
        state: FSMContext,
        t: Texts,
        payments: Payments,
        manual_topups: ManualTopUps | None = None,
        card_payments: CardPayments | None = None,
    ) -> None:
        if await state.get_state() in (TopUpStates.custom_stars.state, ManualStates.amount.state):
            await state.set_state(None)  # Back from the custom amount's question
        offer = payments.offer
        card = card_payments is not None
        packages = keyboards.topup_packages(t, offer.packages, card=card)
        markup = with_manual_offer(packages, t, manual_topups)
        await screens.show(query, topup_text(t, offer), markup)

    @router.callback_query(TopUpCb.filter(F.stars > 0))
    async def package(
        query: CallbackQuery,
        *,
        callback_data: TopUpCb,
        bot: Bot,
        t: Texts,
        account: Account,
        payments: Payments,
    ) -> None:
        order = await payments.order_package(user_id=account.user_id, stars=callback_data.stars)
        await query.answer()
        await invoice_or_cancel(bot, account.user_id, order, t, payments)

    @router.callback_query(TopUpCb.filter(F.stars == 0))
    async def ask_custom(
        query: CallbackQuery, state: FSMContext, t: Texts, payments: Payments
    ) -> None:
        offer = payments.offer
        await state.set_state(TopUpStates.custom_stars)
        text = t(
            "topup-ask-custom", min=offer.custom_min, max=offer.custom_max, rate=rate_text(offer)
        )
        await screens.show(query, text, keyboards.back_and_menu(t, back="topup"))

    @router.message(TopUpStates.custom_stars, F.text, ~F.text.startswith("/"))
    async def custom_stars(
        message: Message, *, state: FSMContext, t: Texts, account: Account, payments: Payments
    ) -> None:
        text = message.text or ""
        if await _custom_amount(message, text, t=t, user_id=account.user_id, payments=payments):
            await state.set_state(None)


async def _custom_amount(
    message: Message, text: str, *, t: Texts, user_id: int, payments: Payments
) -> bool:
    """An invoice for the Stars the user typed; False (and a hint) when it does not parse."""
    offer = payments.offer
    stars = parse_stars(text, low=offer.custom_min, high=offer.custom_max)
    if stars is None:
        await message.answer(t("topup-bad-custom", min=offer.custom_min, max=offer.custom_max))
        return False
    order = await payments.order_custom(user_id=user_id, stars=stars)
    assert message.bot is not None
    await invoice_or_cancel(message.bot, user_id, order, t, payments)
    return True


def _register_checkout(router: Router) -> None:
    @router.pre_checkout_query()
    async def pre_checkout(query: PreCheckoutQuery, t: Texts, payments: Payments) -> None:
        try:
            async with asyncio.timeout(PRE_CHECKOUT_BUDGET):
                refusal = await payments.check_pre_checkout(
                    user_id=query.from_user.id,
                    currency=query.currency,
                    total_amount=query.total_amount,
                    payload=query.invoice_payload,
                )
        except TimeoutError:
            log.warning("payment.pre_checkout_slow")
            await query.answer(ok=False, error_message=t("precheckout-busy"))
            return
        if refusal is None:
            await query.answer(ok=True)
        else:
            await query.answer(ok=False, error_message=t(f"precheckout-{refusal.value}"))

    @router.message(F.successful_payment)
    async def successful_payment(
        message: Message,
        bot: Bot,
        t: Texts,
        translations: Translations,
        payments: Payments,
    ) -> None:
        payment = message.successful_payment
        assert payment is not None
        assert message.from_user is not None
        done = await payments.complete(
            user_id=message.from_user.id,
            currency=payment.currency,
            total_amount=payment.total_amount,
            payload=payment.invoice_payload,
            telegram_charge_id=payment.telegram_payment_charge_id,
            provider_charge_id=payment.provider_payment_charge_id,
        )
        if done.duplicate:
            return
        await message.answer(_paid_text(t, done), reply_markup=keyboards.back_to_menu(t))
        if done.reward is not None:
            reward = done.reward
            inviter_t = translations[reward.language or t.language]
            text = inviter_t("referral-reward", amount=format_rub(reward.amount))
            await _notify(bot, reward.inviter_id, text)

    @router.message(F.refunded_payment)
    async def refunded_payment(message: Message, bot: Bot, t: Texts, payments: Payments) -> None:
        refund = message.refunded_payment
        assert refund is not None
        outcome = await payments.record_refund(telegram_charge_id=refund.telegram_payment_charge_id)
        if outcome.recorded_now:
            await _notify(bot, message.chat.id, _refund_user_text(t, outcome))


def _paid_text(t: Texts, done: Completion) -> str:
    return t(
        "payment-done",
        stars=done.stars,
        credited=format_rub(done.credited),
        balance=format_rub(done.balance),
    )


def _refund_user_text(t: Texts, outcome: RefundOutcome) -> str:
    assert outcome.order is not None
    return t(
        "refund-user",
        stars=outcome.order.amount,
        debited=format_rub(outcome.debited),
        balance=format_rub(outcome.available),
    )


async def _notify(bot: Bot, chat_id: int, text: str) -> None:
    """Tell someone about money that already moved; the money does not depend on it."""
    try:
        await bot.send_message(chat_id, text)
    except TelegramAPIError as exc:
        log.warning("payment.notify_failed", chat_id=chat_id, error=type(exc).__name__)


def _register_refunds(router: Router, admin_ids: frozenset[int]) -> None:
    @router.message(Command("refund"), F.from_user.id.in_(admin_ids))
    async def refund(
        message: Message,
        *,
        command: CommandObject,
        bot: Bot,
        t: Texts,
        translations: Translations,
        payments: Payments,
    ) -> None:
        args = (command.args or "").split()
        if len(args) not in (1, 2) or (len(args) == 2 and args[1].lower() != FORCE):
            await message.answer(t("refund-usage"))
            return
        outcome = await payments.refund(reference=args[0], force=len(args) == 2)
        await message.answer(_refund_admin_text(t, outcome, reference=args[0]))
        if outcome.recorded_now and not outcome.told and outcome.order is not None:
            user_t = translations[outcome.language or t.language]
            await _notify(bot, outcome.order.user_id, _refund_user_text(user_t, outcome))


def _refund_admin_text(t: Texts, outcome: RefundOutcome, *, reference: str) -> str:
    order = outcome.order
    card_text = card_refund_text(t, outcome)  # a card order's own words, if it has them
    if order is None or card_text is not None:
        return card_text or t("refund-not-found", ref=reference)
    number = str(order.id)
    match outcome.status:
        case RefundStatus.REFUNDED:
            return t(
                "refund-done",
                order=number,
                stars=order.amount,
                debited=format_rub(outcome.debited),
                balance=format_rub(outcome.available),
            )
        case RefundStatus.ALREADY_REFUNDED:
            return t("refund-already", order=number, debited=format_rub(outcome.debited))
        case RefundStatus.SPENT:
            return t(
                "refund-spent",
                order=number,
                credit=format_rub(order.credit),
                available=format_rub(outcome.available),
            )
        case RefundStatus.REFUSED:
            return t("refund-refused", order=number, detail=outcome.detail)
        case _:
            return t("refund-not-paid", order=number)


def _register_screens(router: Router) -> None:
    @router.callback_query(MenuCb.filter(F.action == "invite"))
    async def invite(
        query: CallbackQuery, bot: Bot, t: Texts, account: Account, referrals: Referrals
    ) -> None:
        stats = await referrals.stats(user_id=account.user_id)
        me = await bot.me()
        text = t(
            "invite-title",
            link=referral_link(me.username or "", account.user_id),
            bonus=format_rub(stats.bonus),
            invited=stats.invited,
            earned=format_rub(stats.earned),
        )
        await screens.show(query, text, keyboards.back_and_menu(t))

    @router.callback_query(MenuCb.filter(F.action == "payments"))
    async def payment_list(
        query: CallbackQuery, t: Texts, account: Account, payments: Payments
    ) -> None:
        orders = await payments.history(user_id=account.user_id)
        lines = [t("payments-title") if orders else t("payments-empty")]
        lines += [_history_line(t, order) for order in orders]
        await screens.show(query, "\n".join(lines), keyboards.back_and_menu(t))


def _history_line(t: Texts, order: PaymentOrder) -> str:
    """One order in the user's payment list: date, number, method, amount, status."""
    date = (order.paid_at or order.created_at).strftime("%d.%m.%Y %H:%M")
    status = t(f"payment-status-{order.status.value}")
    if order.method is PaymentMethod.STARS:
        return t(
            "payments-entry",
            date=date,
            order=str(order.id),
            stars=order.amount,
            rub=format_rub(order.credit),
            status=status,
        )
    return t(
        "payments-entry-other",
        date=date,
        order=str(order.id),
        method=t(f"payment-method-{order.method.value}"),
        rub=format_rub(order.credit),
        status=status,
    )
