"""The admin menu's manual top-up queue: orders whose receipt waits for a decision, oldest
first; opening one re-sends its receipt with the same Approve / Reject buttons (handled in
routers/manual_topup.py, where the service checks the presser is an admin)."""

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.bot import manual_review, screens
from trt.bot.callbacks import AdminAction, AdminCb
from trt.bot.texts import Texts
from trt.domain.money import format_rub
from trt.services.manual_topups import ManualTopUps, Review


def register_manual_queue(router: Router) -> None:
    """Attach to the admin router (its filter lets admin ids only through)."""

    @router.callback_query(AdminCb.filter(F.action == AdminAction.MANUAL))
    async def manual_queue(query: CallbackQuery, t: Texts, manual_topups: ManualTopUps) -> None:
        reviews, total = await manual_topups.queue()
        text = t("admin-manual-queue", count=total) if total else t("admin-manual-empty")
        await screens.show(query, text, _queue(t, reviews))

    @router.callback_query(AdminCb.filter(F.action == AdminAction.MANUAL_OPEN))
    async def open_receipt(
        query: CallbackQuery,
        callback_data: AdminCb,
        bot: Bot,
        t: Texts,
        manual_topups: ManualTopUps,
    ) -> None:
        order_id = int(callback_data.arg) if callback_data.arg.isdecimal() else 0
        review = await manual_topups.review(order_id=order_id)
        if review is None or not review.manual.awaiting_review:
            await query.answer(t("manual-review-gone", order=callback_data.arg), show_alert=True)
            return
        await query.answer()
        await manual_review.send_review(bot, query.from_user.id, t, review)


def _queue(t: Texts, reviews: list[Review]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for review in reviews:
        order = review.manual.order
        kb.button(
            text=t(
                "admin-manual-item",
                order=str(order.id),
                amount=format_rub(order.credit),
                name=manual_review.person_name(review.customer),
            ),
            callback_data=AdminCb(action=AdminAction.MANUAL_OPEN, arg=str(order.id)),
        )
    kb.button(text=t("admin-btn-back"), callback_data=AdminCb(action=AdminAction.MENU))
    kb.adjust(1)
    return kb.as_markup()
