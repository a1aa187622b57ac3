"""Card / SBP top-ups through YooKassa: the amount, the receipt's email or phone (asked once
and remembered), and the message with the payment link.

Included only when YooKassa is configured, before the wizard: the amount and the contact are
typed text that must not be taken for a wizard's input.
"""

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.bot import keyboards, screens
from trt.bot.callbacks import CardCb, MenuCb
from trt.bot.texts import Texts
from trt.domain.errors import StaleButtonError
from trt.domain.money import format_rub
from trt.domain.yookassa import CardOffer, ContactKind, ReceiptContact, parse_rub_amount
from trt.services.accounts import Account
from trt.services.yookassa_payments import CardPayments, CheckoutStatus

AMOUNT_KEY = "card_kopecks"  # the amount waiting for its receipt contact (FSM data)


class CardStates(StatesGroup):
    amount = State()
    contact = State()


def build_card_topup_router() -> Router:
    router = Router(name="card-topup")

    @router.callback_query(MenuCb.filter(F.action == "card"))
    async def card_screen(
        query: CallbackQuery, state: FSMContext, t: Texts, card_payments: CardPayments
    ) -> None:
        await _leave(state)  # also Back from the amount's or the contact's question
        offer = card_payments.offer
        await screens.show(query, _title(t, offer), _amounts(t, offer))

    @router.callback_query(CardCb.filter(F.kopecks == 0))
    async def ask_amount(
        query: CallbackQuery, state: FSMContext, t: Texts, card_payments: CardPayments
    ) -> None:
        offer = card_payments.offer
        await state.set_state(CardStates.amount)
        text = t(
            "cardpay-ask-amount", min=format_rub(offer.min_amount), max=format_rub(offer.max_amount)
        )
        await screens.show(query, text, keyboards.back_and_menu(t, back="card"))

    @router.message(CardStates.amount, F.text, ~F.text.startswith("/"))
    async def typed_amount(
        message: Message,
        *,
        bot: Bot,
        state: FSMContext,
        t: Texts,
        account: Account,
        card_payments: CardPayments,
    ) -> None:
        offer = card_payments.offer
        amount = parse_rub_amount(message.text or "", low=offer.min_amount, high=offer.max_amount)
        if amount is None:
            low, high = format_rub(offer.min_amount), format_rub(offer.max_amount)
            await message.answer(t("cardpay-bad-amount", min=low, max=high))
            return
        await _proceed(bot, state, t, card_payments, user_id=account.user_id, amount=amount)

    @router.callback_query(CardCb.filter(F.kopecks > 0))
    async def chosen_amount(
        query: CallbackQuery,
        *,
        callback_data: CardCb,
        bot: Bot,
        state: FSMContext,
        t: Texts,
        account: Account,
        card_payments: CardPayments,
    ) -> None:
        if not card_payments.offer.allows(callback_data.kopecks):
            raise StaleButtonError(f"no card amount of {callback_data.kopecks} kopecks")
        await query.answer()
        await _proceed(
            bot,
            state,
            t,
            card_payments,
            user_id=account.user_id,
            amount=callback_data.kopecks,
            new_contact=callback_data.new_contact,
        )

    @router.message(CardStates.contact, F.text, ~F.text.startswith("/"))
    async def typed_contact(
        message: Message,
        *,
        bot: Bot,
        state: FSMContext,
        t: Texts,
        account: Account,
        card_payments: CardPayments,
    ) -> None:
        amount = (await state.get_data()).get(AMOUNT_KEY)
        if not isinstance(amount, int):  # the state outlived its data: start over
            await state.set_state(None)
            raise StaleButtonError("no card amount waits for a contact")
        text = message.text or ""
        contact = await card_payments.remember_contact(user_id=account.user_id, text=text)
        if contact is None:
            await message.answer(t("cardpay-bad-contact"))
            return
        await state.set_state(None)
        await _pay(bot, t, card_payments, user_id=account.user_id, amount=amount, contact=contact)

    return router


async def _proceed(
    bot: Bot,
    state: FSMContext,
    t: Texts,
    card_payments: CardPayments,
    *,
    user_id: int,
    amount: int,
    new_contact: bool = False,
) -> None:
    """Pay at once with the remembered contact, or ask for one first."""
    contact = None if new_contact else await card_payments.contact(user_id=user_id)
    if contact is None:
        await state.set_state(CardStates.contact)
        await state.update_data({AMOUNT_KEY: amount})
        markup = keyboards.back_and_menu(t, back="card")
        await bot.send_message(user_id, t("cardpay-ask-contact"), reply_markup=markup)
        return
    await _leave(state)
    await _pay(bot, t, card_payments, user_id=user_id, amount=amount, contact=contact)


async def _pay(
    bot: Bot,
    t: Texts,
    card_payments: CardPayments,
    *,
    user_id: int,
    amount: int,
    contact: ReceiptContact,
) -> None:
    me = await bot.me()
    checkout = await card_payments.start(
        user_id=user_id,
        amount=amount,
        contact=contact,
        fallback_return_url=f"https://t.me/{me.username}",
    )
    if checkout.status is CheckoutStatus.UNAVAILABLE or checkout.confirmation_url is None:
        markup = keyboards.back_and_menu(t, back="topup")
        await bot.send_message(user_id, t("cardpay-unavailable"), reply_markup=markup)
        return
    rub = format_rub(checkout.amount)
    text = t("cardpay-link", rub=rub, contact=_shown(contact))
    markup = _payment_link(t, url=checkout.confirmation_url, amount=checkout.amount, rub=rub)
    await bot.send_message(user_id, text, reply_markup=markup)


async def _leave(state: FSMContext) -> None:
    """End this router's question, if one is open (another feature's state is left alone)."""
    if await state.get_state() in (CardStates.amount.state, CardStates.contact.state):
        await state.set_state(None)


def _title(t: Texts, offer: CardOffer) -> str:
    return t("cardpay-title", min=format_rub(offer.min_amount), max=format_rub(offer.max_amount))


def _shown(contact: ReceiptContact) -> str:
    return f"+{contact.value}" if contact.kind is ContactKind.PHONE else contact.value


def _amounts(t: Texts, offer: CardOffer) -> InlineKeyboardMarkup:
    """One button per amount on offer, a custom amount, and Back to the top-up screen."""
    kb = InlineKeyboardBuilder()
    for amount in offer.packages:
        kb.button(text=format_rub(amount), callback_data=CardCb(kopecks=amount))
    kb.button(text=t("cardpay-custom"), callback_data=CardCb(kopecks=0))
    kb.button(text=t("menu-back"), callback_data=MenuCb(action="topup"))
    kb.adjust(*([2] * (len(offer.packages) // 2)), 1)
    return kb.as_markup()


def _payment_link(t: Texts, *, url: str, amount: int, rub: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("cardpay-pay", rub=rub), url=url)
    kb.button(
        text=t("cardpay-change-contact"), callback_data=CardCb(kopecks=amount, new_contact=True)
    )
    kb.button(text=t("menu-back"), callback_data=MenuCb(action="card"))
    kb.adjust(1)
    return kb.as_markup()
