"""Markups of the admin screens."""

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from trt.bot.admin.models import menu_button as models_button
from trt.bot.callbacks import AdminAction, AdminCb
from trt.bot.texts import Texts
from trt.services.stats import Period


def _button(text: str, action: AdminAction, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=AdminCb(action=action, arg=arg).pack())


def menu(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(t("admin-btn-today"), AdminAction.STATS, Period.TODAY.value),
                _button(t("admin-btn-week"), AdminAction.STATS, Period.WEEK.value),
                _button(t("admin-btn-all"), AdminAction.STATS, Period.ALL.value),
            ],
            [
                _button(t("admin-btn-lookup"), AdminAction.LOOKUP),
                _button(t("admin-btn-kie"), AdminAction.KIE),
            ],
            [_button(t("admin-btn-broadcast"), AdminAction.BROADCAST)],
            [_button(t("admin-btn-manual"), AdminAction.MANUAL)],
            [models_button(t)],
        ]
    )


def back(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(t("admin-btn-back"), AdminAction.MENU)]])


def user_card(t: Texts, user_id: int, *, banned: bool) -> InlineKeyboardMarkup:
    toggle = (
        _button(t("admin-btn-unban"), AdminAction.UNBAN, str(user_id))
        if banned
        else _button(t("admin-btn-ban"), AdminAction.BAN, str(user_id))
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[[toggle], [_button(t("admin-btn-back"), AdminAction.MENU)]]
    )


def confirm_broadcast(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(t("admin-btn-send"), AdminAction.SEND),
                _button(t("admin-btn-drop"), AdminAction.DROP),
            ]
        ]
    )
