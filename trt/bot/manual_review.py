"""A manual transfer's receipt as the admins see it: the photo or PDF (re-sent by file_id) with
the order, the customer and the Approve / Reject buttons, and the line saying who decided."""

import asyncio
import contextlib

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from trt.bot.callbacks import ReviewCb
from trt.bot.texts import DEFAULT_LANGUAGE, Texts, Translations
from trt.domain.manual_topups import ReceiptKind
from trt.domain.money import format_rub
from trt.domain.payments import OrderStatus
from trt.services.manual_topups import Person, Review

log = structlog.get_logger(__name__)

DATE = "%d.%m.%Y %H:%M"


def person_name(person: Person) -> str:
    """How a person is named to an admin: @username, else the first name, else the id."""
    if person.username:
        return f"@{person.username}"
    return person.first_name or str(person.id)


def caption(t: Texts, review: Review, *, decider: Person | None = None) -> str:
    order = review.manual.order
    customer = review.customer
    lines = [
        t(
            "manual-review",
            order=str(order.id),
            amount=format_rub(order.credit),
            name=customer.first_name or "—",
            username=f"@{customer.username}" if customer.username else "—",
            user=str(customer.id),
            date=order.created_at.strftime(DATE),
        )
    ]
    if decider is not None and order.status is OrderStatus.PAID:
        lines.append(t("manual-review-approved", admin=person_name(decider)))
    elif decider is not None and order.status is OrderStatus.REJECTED:
        lines.append(t("manual-review-rejected", admin=person_name(decider)))
    return "\n".join(lines)


def buttons(t: Texts, review: Review) -> InlineKeyboardMarkup | None:
    """Approve / Reject while the order waits for a decision; none afterwards."""
    if not review.manual.awaiting_review:
        return None
    order = review.manual.order
    approve = ReviewCb(approve=True, order=order.id).pack()
    reject = ReviewCb(approve=False, order=order.id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("manual-btn-approve", amount=format_rub(order.credit)),
                    callback_data=approve,
                ),
                InlineKeyboardButton(text=t("manual-btn-reject"), callback_data=reject),
            ]
        ]
    )


async def send_review(bot: Bot, chat_id: int, t: Texts, review: Review) -> None:
    """The receipt itself, re-sent by file_id, captioned, with the decision buttons."""
    file_id = review.manual.receipt_file_id
    assert file_id is not None
    text = caption(t, review)
    markup = buttons(t, review)
    if review.manual.receipt_kind is ReceiptKind.PHOTO:
        await bot.send_photo(chat_id, file_id, caption=text, reply_markup=markup)
    else:
        await bot.send_document(chat_id, file_id, caption=text, reply_markup=markup)


async def send_to_reviewers(
    bot: Bot, translations: Translations, review: Review, reviewers: tuple[Person, ...]
) -> None:
    """Every admin gets the receipt; one who cannot be reached still finds it in the queue."""
    results = await asyncio.gather(
        *(
            send_review(bot, person.id, translations[person.language or DEFAULT_LANGUAGE], review)
            for person in reviewers
        ),
        return_exceptions=True,
    )
    for person, result in zip(reviewers, results, strict=True):
        if isinstance(result, TelegramAPIError):
            log.warning("manual.review_not_sent", admin_id=person.id, error=type(result).__name__)
        elif isinstance(result, BaseException):
            raise result


async def show_decided(query: CallbackQuery, t: Texts, review: Review, decider: Person) -> None:
    """Rewrite the pressed receipt's caption with who decided, and drop its buttons."""
    if not isinstance(query.message, Message):
        return
    with contextlib.suppress(TelegramBadRequest):  # "message is not modified"
        await query.message.edit_caption(
            caption=caption(t, review, decider=decider), reply_markup=None
        )


async def tell(bot: Bot, chat_id: int, text: str) -> None:
    """Tell someone about a decision already made; the money does not depend on it."""
    try:
        await bot.send_message(chat_id, text)
    except TelegramAPIError as exc:
        log.warning("manual.notify_failed", chat_id=chat_id, error=type(exc).__name__)
