"""Rendering screens: texts for the catalog and balance, and showing a screen in place."""

import contextlib
import math

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from trt.bot.texts import Texts
from trt.domain.catalog import ModelSpec
from trt.domain.money import format_rub
from trt.domain.pricing import PricingPolicy, price_range
from trt.services.accounts import Accounts

PAGE_SIZE = 8


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message's content; always stop the button's spinner."""
    if isinstance(query.message, Message):
        # "message is not modified" means the screen already shows this: nothing to do.
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=markup)
    else:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)  # type: ignore[union-attr]
    await query.answer()


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE_SIZE))


def list_label(t: Texts, model: ModelSpec, policy: PricingPolicy) -> str:
    title = model.title.text(t.language)
    if model.free:
        return t("list-item-free", title=title)
    low, high = price_range(model, policy)
    key = "list-item-price" if low == high else "list-item-range"
    return t(key, title=title, price=format_rub(low))


def card_text(t: Texts, model: ModelSpec, policy: PricingPolicy, *, free_quota: int) -> str:
    lines = [
        t("card-title", title=model.title.text(t.language)),
        model.description.text(t.language),
        "",
    ]
    if model.free:
        lines.append(t("card-free", quota=free_quota))
    else:
        low, high = price_range(model, policy)
        lines.append(
            t("card-price", price=format_rub(low))
            if low == high
            else t("card-price-range", low=format_rub(low), high=format_rub(high))
        )
    lines += ["", t("card-inputs")]
    for field in model.fields:
        name = t(f"field-{field.name}") if t.has(f"field-{field.name}") else field.name
        if field.required:
            lines.append(t("card-input-required", name=name))
        elif field.default is not None:
            lines.append(t("card-input-optional", name=name, default=str(field.default)))
        else:
            lines.append(t("card-input-optional-empty", name=name))
    return "\n".join(lines)


async def balance_text(t: Texts, accounts: Accounts, user_id: int) -> str:
    balance, entries = await accounts.statement(user_id=user_id)
    lines = [t("balance-title", available=format_rub(balance.available))]
    if balance.held:
        lines.append(t("balance-held", held=format_rub(balance.held)))
    lines += ["", t("balance-last") if entries else t("balance-empty")]
    for entry in entries:
        amount = entry.available_delta or -entry.held_delta
        lines.append(
            t(
                "balance-entry",
                date=entry.created_at.strftime("%d.%m %H:%M"),
                kind=t(f"entry-{entry.kind.value}"),
                amount=format_rub(amount),
            )
        )
    return "\n".join(lines)
