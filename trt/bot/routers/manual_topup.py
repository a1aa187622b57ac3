"""Manual bank transfers: the user picks an amount, gets the details and an order number, and
sends the receipt (a photo or a PDF); every admin gets it with Approve / Reject. The decision
buttons are handled here for everyone: the service refuses whoever is not an admin, so a
forged press gets a refusal instead of falling through unanswered.

Include it before the wizard router, with the other money-in routers.
"""

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.bot import manual_review, screens
from trt.bot.callbacks import ManualAction, ManualCb, MenuCb, ReviewCb
from trt.bot.texts import DEFAULT_LANGUAGE, Texts, Translations
from trt.domain.errors import StaleButtonError, UserBanned
from trt.domain.manual_topups import ReceiptKind, document_receipt, parse_rubles
from trt.domain.money import format_rub
from trt.domain.payments import OrderStatus, PaymentOrder
from trt.services.accounts import Account
from trt.services.manual_topups import (
    Decision,
    DecisionStatus,
    ManualTopUps,
    Person,
    ReceiptOutcome,
    ReceiptStatus,
)

ORDER_KEY = "manual_order"  # FSM data: the order whose receipt is awaited


class ManualStates(StatesGroup):
    amount = State()
    receipt = State()


def with_manual_offer(
    markup: InlineKeyboardMarkup, t: Texts, manual: ManualTopUps | None
) -> InlineKeyboardMarkup:
    """The top-up screen's markup with a "Bank transfer" row above its last (Back) row, when
    manual top-ups are on."""
    if manual is None or not manual.offer.enabled:
        return markup
    rows = list(markup.inline_keyboard)
    button = InlineKeyboardButton(
        text=t("manual-btn"), callback_data=ManualCb(action=ManualAction.START).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[*rows[:-1], [button], *rows[-1:]])


def build_manual_topup_router() -> Router:
    router = Router(name="manual-topup")
    _register_order(router)
    _register_receipt(router)
    _register_review(router)
    return router


def _amounts(t: Texts, manual: ManualTopUps) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for amount in manual.offer.presets:
        kb.button(
            text=t("manual-preset", amount=format_rub(amount)),
            callback_data=ManualCb(action=ManualAction.AMOUNT, arg=amount),
        )
    kb.button(text=t("menu-back"), callback_data=MenuCb(action="topup"))
    kb.adjust(2)
    return kb.as_markup()


def _order_markup(t: Texts, order: PaymentOrder) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("manual-btn-receipt"),
        callback_data=ManualCb(action=ManualAction.RECEIPT, arg=order.id),
    )
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(1)
    return kb.as_markup()


def _bounds(manual: ManualTopUps) -> dict[str, str]:
    return {
        "min": format_rub(manual.offer.min_amount),
        "max": format_rub(manual.offer.max_amount),
    }


def _register_order(router: Router) -> None:
    @router.callback_query(ManualCb.filter(F.action == ManualAction.START))
    async def start(
        query: CallbackQuery, state: FSMContext, t: Texts, manual_topups: ManualTopUps
    ) -> None:
        if not manual_topups.offer.enabled:
            raise StaleButtonError("manual top-ups are off")
        await state.set_state(ManualStates.amount)
        text = t("manual-title", **_bounds(manual_topups))
        await screens.show(query, text, _amounts(t, manual_topups))

    @router.callback_query(ManualCb.filter(F.action == ManualAction.AMOUNT))
    async def preset(
        query: CallbackQuery,
        *,
        callback_data: ManualCb,
        bot: Bot,
        state: FSMContext,
        t: Texts,
        account: Account,
        manual_topups: ManualTopUps,
    ) -> None:
        await query.answer()
        await _place(
            bot, state, t, user_id=account.user_id, amount=callback_data.arg, manual=manual_topups
        )

    @router.message(ManualStates.amount, F.text, ~F.text.startswith("/"))
    async def typed(
        message: Message,
        *,
        bot: Bot,
        state: FSMContext,
        t: Texts,
        account: Account,
        manual_topups: ManualTopUps,
    ) -> None:
        offer = manual_topups.offer
        amount = parse_rubles(message.text or "", low=offer.min_amount, high=offer.max_amount)
        if amount is None:
            await message.answer(t("manual-bad-amount", **_bounds(manual_topups)))
            return
        await _place(bot, state, t, user_id=account.user_id, amount=amount, manual=manual_topups)


async def _place(
    bot: Bot, state: FSMContext, t: Texts, *, user_id: int, amount: int, manual: ManualTopUps
) -> None:
    """Create the order, show the details, and wait for its receipt."""
    try:
        order = await manual.order(user_id=user_id, amount=amount)
    except UserBanned:
        await state.set_state(None)
        await bot.send_message(user_id, t("manual-banned"))
        return
    await state.set_state(ManualStates.receipt)
    await state.set_data({ORDER_KEY: order.id})
    text = t(
        "manual-order",
        order=str(order.id),
        amount=format_rub(order.credit),
        details=manual.offer.details or "",
    )
    await bot.send_message(user_id, text, reply_markup=_order_markup(t, order))


def _register_receipt(router: Router) -> None:
    @router.callback_query(ManualCb.filter(F.action == ManualAction.RECEIPT))
    async def again(
        query: CallbackQuery, callback_data: ManualCb, state: FSMContext, t: Texts
    ) -> None:
        await state.set_state(ManualStates.receipt)
        await state.set_data({ORDER_KEY: callback_data.arg})
        await query.answer()
        await query.bot.send_message(  # type: ignore[union-attr]
            query.from_user.id, t("manual-send-receipt", order=str(callback_data.arg))
        )

    @router.message(ManualStates.receipt, F.photo | F.document)
    async def receipt(
        message: Message,
        *,
        bot: Bot,
        state: FSMContext,
        t: Texts,
        translations: Translations,
        account: Account,
        manual_topups: ManualTopUps,
    ) -> None:
        found = _receipt_file(message)
        order_id = (await state.get_data()).get(ORDER_KEY)
        if not isinstance(order_id, int):  # the state lost its data: start again
            await state.clear()
            await message.answer(t("manual-receipt-unknown"))
            return
        if found is None:
            await message.answer(t("manual-not-receipt", order=str(order_id)))
            return
        file_id, kind = found
        outcome = await manual_topups.attach_receipt(
            user_id=account.user_id, order_id=order_id, file_id=file_id, kind=kind
        )
        await state.clear()
        await message.answer(_receipt_text(t, outcome, order_id))
        if outcome.status is ReceiptStatus.ACCEPTED and outcome.review is not None:
            review = outcome.review
            await manual_review.send_to_reviewers(bot, translations, review, outcome.reviewers)

    @router.message(ManualStates.receipt, ~F.text.startswith("/"))
    async def other(message: Message, state: FSMContext, t: Texts) -> None:
        order_id = (await state.get_data()).get(ORDER_KEY)
        await message.answer(t("manual-not-receipt", order=str(order_id or "")))


def _receipt_file(message: Message) -> tuple[str, ReceiptKind] | None:
    """The receipt a message carries (a photo, a PDF or an image file), or None."""
    if message.photo:
        return message.photo[-1].file_id, ReceiptKind.PHOTO
    doc = message.document
    if doc is not None and document_receipt(doc.mime_type, doc.file_name):
        return doc.file_id, ReceiptKind.DOCUMENT
    return None


def _receipt_text(t: Texts, outcome: ReceiptOutcome, order_id: int) -> str:
    amount = format_rub(outcome.review.manual.order.credit) if outcome.review else ""
    match outcome.status:
        case ReceiptStatus.ACCEPTED:
            return t("manual-receipt-received", order=str(order_id), amount=amount)
        case ReceiptStatus.ALREADY_SENT:
            return t("manual-receipt-already", order=str(order_id))
        case ReceiptStatus.CLOSED:
            return t("manual-receipt-closed", order=str(order_id))
        case _:
            return t("manual-receipt-unknown")


def _register_review(router: Router) -> None:
    @router.callback_query(ReviewCb.filter())
    async def decide(
        query: CallbackQuery,
        *,
        callback_data: ReviewCb,
        bot: Bot,
        t: Texts,
        translations: Translations,
        manual_topups: ManualTopUps,
    ) -> None:
        admin_id = query.from_user.id
        order_id = callback_data.order
        if callback_data.approve:
            decision = await manual_topups.approve(admin_id=admin_id, order_id=order_id)
        else:
            decision = await manual_topups.reject(admin_id=admin_id, order_id=order_id)
        await _answer_admin(query, t, decision, order_id)
        if decision.status in (DecisionStatus.APPROVED, DecisionStatus.REJECTED):
            await _tell_customer(bot, translations, decision)


async def _answer_admin(query: CallbackQuery, t: Texts, decision: Decision, order_id: int) -> None:
    review = decision.review
    match decision.status:
        case DecisionStatus.FORBIDDEN:
            await query.answer(t("manual-review-forbidden"), show_alert=True)
        case DecisionStatus.NOT_FOUND:
            await query.answer(t("manual-review-gone", order=str(order_id)), show_alert=True)
        case DecisionStatus.ALREADY_DECIDED:
            assert review is not None
            assert decision.decider is not None
            approved = review.manual.order.status is OrderStatus.PAID
            key = "manual-decided-approved" if approved else "manual-decided-rejected"
            admin = manual_review.person_name(decision.decider)
            await manual_review.show_decided(query, t, review, decision.decider)
            await query.answer(t(key, order=str(order_id), admin=admin), show_alert=True)
        case _:
            assert review is not None
            me = Person(
                id=query.from_user.id,
                first_name=query.from_user.first_name,
                username=query.from_user.username,
                language=None,
            )
            approved = decision.status is DecisionStatus.APPROVED
            key = "manual-approved-admin" if approved else "manual-rejected-admin"
            amount = format_rub(review.manual.order.credit)
            await manual_review.show_decided(query, t, review, me)
            await query.answer(t(key, order=str(order_id), amount=amount))


async def _tell_customer(bot: Bot, translations: Translations, decision: Decision) -> None:
    review = decision.review
    assert review is not None
    order = review.manual.order
    customer_t = translations[review.customer.language or DEFAULT_LANGUAGE]
    if decision.status is DecisionStatus.APPROVED:
        text = customer_t(
            "manual-approved-user",
            order=str(order.id),
            amount=format_rub(order.credit),
            balance=format_rub(decision.balance),
        )
    else:
        text = customer_t(
            "manual-rejected-user", order=str(order.id), amount=format_rub(order.credit)
        )
    await manual_review.tell(bot, order.user_id, text)
    if decision.reward is not None:
        reward = decision.reward
        inviter_t = translations[reward.language or DEFAULT_LANGUAGE]
        await manual_review.tell(
            bot, reward.inviter_id, inviter_t("referral-reward", amount=format_rub(reward.amount))
        )
